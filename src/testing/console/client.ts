/**
 * The console's browser script, shipped as a string so the package needs no
 * asset files or bundler step. It builds every element with `textContent`
 * and attributes, never `innerHTML`: whatever a job or review holds is shown
 * as text. It is plain ES2020 without template literals, so it can live
 * inside this template string unchanged.
 */
export const CONSOLE_SCRIPT = String.raw`"use strict";
(function () {
  var SECRET = document.querySelector('meta[name="console-secret"]').content;
  var STATUSES = ["pending", "running", "done", "failed", "cancelled"];
  var PAGES = ["jobs", "workers", "reviews", "killswitch"];
  var state = null;
  var clockOffset = 0;
  var current = null;

  // --- DOM helpers: every string becomes a text node.
  function h(tag, attrs) {
    var el = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (key) {
        var value = attrs[key];
        if (value === undefined || value === null || value === false) return;
        if (key.slice(0, 2) === "on") el.addEventListener(key.slice(2), value);
        else if (value === true) el.setAttribute(key, "");
        else el.setAttribute(key, String(value));
      });
    }
    for (var i = 2; i < arguments.length; i++) add(el, arguments[i]);
    return el;
  }
  function add(el, child) {
    if (child === undefined || child === null || child === false) return;
    if (Array.isArray(child)) child.forEach(function (c) { add(el, c); });
    else if (child instanceof Node) el.appendChild(child);
    else el.appendChild(document.createTextNode(String(child)));
  }
  /** Replaces a region's content, keeping keyboard focus on the element with the same data-key. */
  function fill(region, content) {
    var active = document.activeElement;
    var key = active && region.contains(active) ? active.getAttribute("data-key") : null;
    region.replaceChildren();
    add(region, content);
    if (key) {
      var again = region.querySelector('[data-key="' + CSS.escape(key) + '"]');
      if (again) again.focus();
    }
  }

  // --- Formatting.
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function when(iso) {
    if (!iso) return "—";
    var d = new Date(iso);
    return h("time", { datetime: iso, title: iso },
      d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + " " +
      pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds()));
  }
  function age(iso) {
    if (!iso) return "never";
    var s = Math.max(0, Math.round((Date.now() + clockOffset - Date.parse(iso)) / 1000));
    if (s < 60) return s + " s ago";
    if (s < 3600) return Math.floor(s / 60) + " min " + (s % 60) + " s ago";
    return Math.floor(s / 3600) + " h " + Math.floor((s % 3600) / 60) + " min ago";
  }
  function size(bytes) {
    if (bytes < 1024) return bytes + " B";
    if (bytes < 1048576) return (bytes / 1024).toFixed(1) + " KB";
    return (bytes / 1048576).toFixed(1) + " MB";
  }
  /** JSON shown indented; anything else as it is. */
  function pretty(value) {
    if (value === null || value === undefined) return "—";
    if (typeof value === "string") {
      try {
        var parsed = JSON.parse(value);
        if (parsed !== null && typeof parsed === "object") return JSON.stringify(parsed, null, 2);
      } catch (e) { /* not JSON: shown as written */ }
      return value;
    }
    return JSON.stringify(value, null, 2);
  }
  function clip(text, n) { return text.length > n ? text.slice(0, n - 1) + "…" : text; }
  function badge(status) { return h("span", { class: "badge " + status }, status); }
  function jobLink(id, key) { return h("a", { href: "#/jobs/" + id, "data-key": key }, "job " + id); }
  /** A table whose cells carry their column's name, shown beside them in a narrow window. */
  function table(cls, headers, rows) {
    rows.forEach(function (tr) {
      Array.prototype.forEach.call(tr.children, function (cell, i) {
        if (headers[i]) cell.setAttribute("data-label", headers[i]);
      });
    });
    return h("table", { class: cls },
      h("thead", null, h("tr", null, headers.map(function (t) { return h("th", { scope: "col" }, t); }))),
      h("tbody", null, rows));
  }
  function empty(text) { return h("p", { class: "empty" }, text); }
  function section(title) {
    var rest = Array.prototype.slice.call(arguments, 1);
    return h("section", { "aria-label": title }, h("h2", null, title), rest);
  }

  // --- Talking to the coordinator.
  function api(path, body) {
    return fetch("/_console/api/" + path, {
      method: body === undefined ? "GET" : "POST",
      headers: body === undefined
        ? { "x-console-secret": SECRET }
        : { "x-console-secret": SECRET, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) throw new Error(data.error || "HTTP " + response.status);
        return data;
      });
    });
  }
  function flash(text, isError) {
    var el = document.getElementById("flash");
    el.className = text === "" ? "" : isError ? "error" : "ok";
    el.textContent = text;
  }
  /** Runs an action from a button or form; the snapshot that follows its event redraws the page. */
  function act(path, body, done) {
    return api(path, body).then(function (data) {
      if (done) flash(done(data), false);
      return refresh();
    }, function (error) {
      flash(error.message, true);
    });
  }

  var refreshing = null;
  var again = false;
  function refresh() {
    if (refreshing) { again = true; return refreshing; }
    refreshing = api("state").then(function (snapshot) {
      state = snapshot;
      clockOffset = Date.parse(snapshot.now) - Date.now();
      draw();
    }, function (error) {
      flash("Could not load the coordinator's state: " + error.message, true);
    }).then(function () {
      refreshing = null;
      if (again) { again = false; return refresh(); }
    });
    return refreshing;
  }

  function listen() {
    var live = document.getElementById("live");
    var source = new EventSource("/_console/api/events?secret=" + encodeURIComponent(SECRET));
    var timer = null;
    source.addEventListener("open", function () { live.textContent = "live"; live.className = "live on"; });
    source.addEventListener("error", function () { live.textContent = "reconnecting…"; live.className = "live off"; });
    // Bursts of events (a job claimed, an artifact, a review, done) become one fetch.
    source.addEventListener("change", function () {
      if (timer === null) timer = setTimeout(function () { timer = null; refresh(); }, 100);
    });
  }

  // --- Routing: #/jobs, #/jobs?status=done, #/jobs/12, #/workers, #/reviews, #/killswitch.
  function route() {
    var hash = location.hash.replace(/^#\/?/, "");
    var parts = hash.split("?");
    var path = parts[0].split("/");
    var query = new URLSearchParams(parts[1] || "");
    if (path[0] === "jobs" && path[1]) return { name: "job", id: path[1] };
    if (PAGES.indexOf(path[0]) >= 0) return { name: path[0], query: query };
    return { name: "jobs", query: query };
  }
  function navigate() {
    var r = route();
    var key = r.name + "/" + (r.id || "") + "?" + (r.query ? r.query.toString() : "");
    if (current && current.key === key) return;
    var view = document.getElementById("view");
    view.replaceChildren();
    flash("", false);
    current = { key: key, update: VIEWS[r.name](view, r) };
    var section = r.name === "job" ? "jobs" : r.name;
    document.querySelectorAll("nav a[data-section]").forEach(function (a) {
      if (a.getAttribute("data-section") === section) a.setAttribute("aria-current", "page");
      else a.removeAttribute("aria-current");
    });
    if (state) draw();
  }
  function draw() {
    drawChrome();
    if (current) current.update(state);
  }
  var bannerShown = "";
  function drawChrome() {
    var k = state.killswitch;
    var banner = document.getElementById("banner");
    // The banner is an alert: redrawn only when it changes, so it is announced once.
    var shown = JSON.stringify(k);
    if (shown === bannerShown) return drawCounts();
    bannerShown = shown;
    if (k.active) {
      fill(banner, h("p", null, h("strong", null, "Killswitch active"),
        " (level " + k.level + ", since ", when(k.activated_at), "): " + k.reason + ". Dispatch and claims are refused. ",
        h("a", { href: "#/killswitch" }, "Clear it")));
      banner.className = "on";
    } else {
      banner.replaceChildren();
      banner.className = "";
    }
    drawCounts();
  }
  function drawCounts() {
    var pending = state.reviews.filter(function (r) { return r.status === "pending"; }).length;
    document.getElementById("review-count").textContent = pending ? "(" + pending + ")" : "";
  }

  // --- Views: each builds its fixed parts (forms) once and returns an update(state) for the rest.
  var VIEWS = {};

  VIEWS.jobs = function (root, r) {
    var filter = STATUSES.indexOf(r.query.get("status")) >= 0 ? r.query.get("status") : null;
    document.title = "Jobs · ModelReins local console";
    var filters = h("ul", { class: "filters" });
    var list = h("div", { class: "region" });
    root.append(
      h("h1", null, "Jobs"),
      dispatchForm(),
      h("section", { "aria-labelledby": "jobs-heading" },
        h("h2", { id: "jobs-heading" }, filter ? filter + " jobs" : "All jobs"),
        h("nav", { "aria-label": "Filter by status" }, filters),
        list));
    return function (s) {
      var counts = {};
      s.jobs.forEach(function (j) { counts[j.status] = (counts[j.status] || 0) + 1; });
      fill(filters, [null].concat(STATUSES).map(function (status) {
        var label = (status || "all") + " (" + (status ? counts[status] || 0 : s.jobs.length) + ")";
        return h("li", null, h("a", {
          href: status ? "#/jobs?status=" + status : "#/jobs",
          "aria-current": status === filter ? "true" : null,
          "data-key": "filter-" + (status || "all"),
        }, label));
      }));
      var jobs = s.jobs.filter(function (j) { return !filter || j.status === filter; }).reverse();
      if (s.jobs.length === 0) {
        return fill(list, h("p", { class: "empty" }, "No jobs yet: dispatch one above, or run ", h("code", null, "npm run demo"), "."));
      }
      if (jobs.length === 0) return fill(list, empty("No " + filter + " jobs."));
      var shown = jobs.slice(0, 500);
      fill(list, [
        table("jobs", ["Job", "Status", "Prompt", "Worker", "Priority", "Created", "Updated"], shown.map(function (j) {
            return h("tr", { "data-job": j.id, "data-status": j.status },
              h("td", null, jobLink(j.id, "job-" + j.id)),
              h("td", null, badge(j.status)),
              h("td", { class: "prompt" }, clip(j.prompt, 120)),
              h("td", null, j.claimed_by || j.assigned_to || "—"),
              h("td", null, j.priority),
              h("td", null, when(j.created_at)),
              h("td", null, when(j.updated_at)));
          })),
        jobs.length > shown.length ? h("p", { class: "note" }, "Showing the newest 500 of " + jobs.length + ".") : null,
      ]);
    };
  };

  function dispatchForm() {
    var worker = h("select", { id: "d-worker", name: "worker" }, h("option", { value: "" }, "any eligible worker"));
    var form = h("form", { class: "dispatch", "aria-labelledby": "dispatch-heading", onsubmit: submit },
      h("h2", { id: "dispatch-heading" }, "Dispatch a job"),
      h("div", { class: "field wide" }, h("label", { for: "d-prompt" }, "Prompt"),
        h("textarea", { id: "d-prompt", name: "prompt", rows: 2, required: true })),
      h("div", { class: "field wide" }, h("label", { for: "d-input" }, "Input ", h("small", null, "(JSON; other text is sent as a string; optional)")),
        h("textarea", { id: "d-input", name: "input", rows: 2 })),
      h("div", { class: "field" }, h("label", { for: "d-priority" }, "Priority"),
        h("select", { id: "d-priority", name: "priority" },
          h("option", { value: "low" }, "low"), h("option", { value: "normal", selected: true }, "normal"), h("option", { value: "high" }, "high"))),
      h("div", { class: "field" }, h("label", { for: "d-worker" }, "Worker"), worker),
      h("div", { class: "field" }, h("button", { type: "submit" }, "Dispatch")));
    worker.addEventListener("focus", function () { workerOptions(worker); });
    workerOptions(worker);
    function submit(event) {
      event.preventDefault();
      var body = { prompt: form.prompt.value, priority: form.priority.value };
      var input = form.input.value.trim();
      if (input !== "") {
        try { body.input = JSON.parse(input); } catch (e) { body.input = input; }
      }
      if (form.worker.value) body.assigned_to = form.worker.value;
      act("dispatch", body, function (job) {
        form.prompt.value = "";
        return "Dispatched job " + job.id + (job.assigned_to ? " to " + job.assigned_to : "") + ".";
      });
    }
    return form;
  }
  /** The worker choices: every worker the coordinator knows, refreshed when the list is opened. */
  function workerOptions(select) {
    if (!state) return;
    var chosen = select.value;
    var names = state.workers.map(function (w) { return w.name; });
    select.replaceChildren(h("option", { value: "" }, "any eligible worker"));
    names.forEach(function (name) { select.appendChild(h("option", { value: name, selected: name === chosen }, name)); });
  }

  VIEWS.job = function (root, r) {
    document.title = "Job " + r.id + " · ModelReins local console";
    var region = h("div", { class: "region" });
    root.append(h("p", { class: "back" }, h("a", { href: "#/jobs" }, "← All jobs")), region);
    return function (s) {
      var j = s.jobs.find(function (job) { return String(job.id) === r.id; });
      if (!j) return fill(region, [h("h1", null, "Job " + r.id), empty("There is no job " + r.id + " on this coordinator.")]);
      var artifacts = s.artifacts.filter(function (a) { return a.job_id === j.id; });
      var reviews = s.reviews.filter(function (v) { return v.job_id === j.id; });
      var live = j.status === "pending" || j.status === "running";
      var facts = [
        ["Status", badge(j.status)], ["Priority", j.priority], ["Assigned to", j.assigned_to || "—"],
        ["Claimed by", j.claimed_by || "—"], ["Created", when(j.created_at)], ["Started", when(j.started_at)],
        ["Completed", when(j.completed_at)], ["Updated", when(j.updated_at)],
      ];
      if (j.provider || j.model) facts.push(["Provider / model", (j.provider || "—") + " / " + (j.model || "—")]);
      if (j.tier) facts.push(["Tier", j.tier]);
      if (j.tags.length) facts.push(["Tags", j.tags.join(", ")]);
      if (j.requeues) facts.push(["Requeued", j.requeues + " time(s)"]);
      if (j.retries) facts.push(["Retried", j.retries + " time(s)"]);
      if (j.cancel_reason) facts.push(["Cancel reason", j.cancel_reason]);
      fill(region, [
        h("h1", null, "Job " + j.id, " ", badge(j.status)),
        h("div", { class: "actions" },
          live ? h("button", { type: "button", "data-key": "cancel", onclick: function () {
            act("jobs/" + j.id + "/cancel", { reason: "cancelled from the console" }, function () { return "Job " + j.id + " cancelled."; });
          } }, "Cancel job") : null,
          j.status === "failed" || j.status === "cancelled" ? h("button", { type: "button", "data-key": "retry", onclick: function () {
            act("jobs/" + j.id + "/retry", {}, function () { return "Job " + j.id + " is pending again."; });
          } }, "Retry job") : null),
        h("div", { class: "job-top" },
          h("dl", { class: "facts" }, facts.map(function (f) { return [h("dt", null, f[0]), h("dd", null, f[1])]; })),
          section("Artifacts", artifacts.length ? h("ul", { class: "artifacts" }, artifacts.map(artifactItem)) : empty("No artifacts linked to this job."))),
        section("Prompt", h("pre", { class: "prompt-text" }, j.prompt)),
        section("Input", h("pre", null, pretty(j.input))),
        section("Result", h("pre", { class: "result" }, pretty(j.result))),
        reviews.length ? section("Reviews", h("ul", null, reviews.map(function (v) {
          return h("li", null, h("a", { href: "#/reviews" }, "Review #" + v.id), " ", badge(v.status), " " + v.title);
        }))) : null,
      ]);
    };
  };

  function artifactUrl(a) { return "/_console/artifacts/" + encodeURIComponent(a.slug); }
  function artifactItem(a) {
    var caption = a.filename + " · " + a.content_type + " · " + size(a.size_bytes);
    if (/^image\//.test(a.content_type)) {
      return h("li", null, h("figure", null,
        h("img", { src: artifactUrl(a), alt: "Artifact " + a.filename, class: "artifact-image" }),
        h("figcaption", null, h("a", { href: artifactUrl(a), target: "_blank", rel: "noopener" }, caption))));
    }
    return h("li", null, h("a", { href: artifactUrl(a), target: "_blank", rel: "noopener" }, caption));
  }

  VIEWS.workers = function (root) {
    document.title = "Workers · ModelReins local console";
    var region = h("div", { class: "region" });
    root.append(h("h1", null, "Workers"), region);
    return function (s) {
      if (s.workers.length === 0) {
        return fill(region, empty("No workers yet: start one with MODELREINS_URL=" + location.origin + " and a worker token, or run npm run demo."));
      }
      fill(region, table("workers", ["Worker", "Status", "Last heartbeat", "In flight", "Tags", ""], s.workers.map(function (w) {
          var p = s.presence.find(function (x) { return x.instance === w.name; });
          var flying = s.jobs.filter(function (j) { return j.status === "running" && j.claimed_by === w.name; });
          var status = w.paused ? "paused" : p && !p.online ? "offline" : w.status;
          return h("tr", { "data-worker": w.name },
            h("th", { scope: "row" }, w.name, w.registered ? h("small", null, " registered") : null,
              w.description ? h("div", { class: "note" }, w.description) : null,
              w.capabilities.length ? h("div", { class: "note" }, "can do " + w.capabilities.map(function (c) {
                return c.name + " (" + c.risk_tier + ")";
              }).join(", ")) : null),
            h("td", null, badge(status)),
            h("td", null, w.last_seen ? h("span", { class: "age", "data-since": w.last_seen }, age(w.last_seen)) : "never"),
            h("td", null, flying.length ? flying.map(function (j, i) { return [i ? ", " : "", jobLink(j.id, "w-" + w.id + "-" + j.id)]; }) : "—",
              w.load > flying.length ? h("div", { class: "note" }, (w.load - flying.length) + " pending") : null),
            h("td", null, p && p.tags ? p.tags.split(",").join(", ") : "—"),
            h("td", null, h("button", {
              type: "button", "data-key": "pause-" + w.id,
              "aria-label": (w.paused ? "Resume " : "Pause ") + w.name,
              onclick: function () {
                act("workers/" + w.id + "/" + (w.paused ? "resume" : "pause"), {}, function () {
                  return w.name + (w.paused ? " resumed." : " paused: it takes no new jobs.");
                });
              },
            }, w.paused ? "Resume" : "Pause")));
        })));
    };
  };

  VIEWS.reviews = function (root) {
    document.title = "Review queue · ModelReins local console";
    var pendingRegion = h("div", { class: "region" });
    var decidedRegion = h("div", { class: "region" });
    root.append(h("h1", null, "Review queue"),
      h("section", { "aria-labelledby": "pending-heading" }, h("h2", { id: "pending-heading" }, "Waiting for a decision"), pendingRegion),
      h("section", { "aria-labelledby": "decided-heading" }, h("h2", { id: "decided-heading" }, "Decided"), decidedRegion));
    return function (s) {
      var pending = s.reviews.filter(function (v) { return v.status === "pending"; });
      var decided = s.reviews.filter(function (v) { return v.status !== "pending"; }).reverse();
      fill(pendingRegion, pending.length ? h("ul", { class: "reviews" }, pending.map(function (v) { return reviewCard(s, v); }))
        : empty("Nothing to review. Workers put items here with submitReview()."));
      fill(decidedRegion, decided.length ? table("decided", ["Review", "Decision", "Note", "Job", "Decided"], decided.map(function (v) {
          return h("tr", { "data-review": v.id },
            h("td", null, "#" + v.id + " " + v.title),
            h("td", null, badge(v.status)),
            h("td", null, v.note || "—"),
            h("td", null, v.job_id ? jobLink(v.job_id, "rj-" + v.id) : "—"),
            h("td", null, when(v.decided_at)));
        })) : empty("No decisions yet."));
    };
  };

  /** A review's preview, shown inline when it is an image artifact of this coordinator. */
  function previewOf(s, v) {
    var artifact = s.artifacts.find(function (a) {
      if (a.review_id === v.id) return true;
      if (!v.preview) return false;
      try { return new URL(v.preview, location.href).pathname === a.url; } catch (e) { return false; }
    });
    if (artifact && /^image\//.test(artifact.content_type)) {
      return h("img", { src: artifactUrl(artifact), alt: "Preview of review #" + v.id, class: "preview" });
    }
    if (artifact) return h("a", { href: artifactUrl(artifact), target: "_blank", rel: "noopener" }, artifact.filename + " · " + size(artifact.size_bytes));
    return v.preview ? h("p", { class: "note" }, "Preview: " + v.preview) : null;
  }

  function reviewCard(s, v) {
    var note = h("input", { type: "text", id: "note-" + v.id, "data-key": "note-" + v.id, placeholder: "optional" });
    function decide(decision) {
      return function () {
        act("reviews/" + v.id + "/" + decision, { note: note.value }, function () {
          return "Review #" + v.id + (decision === "approve" ? " approved." : " rejected.");
        });
      };
    }
    return h("li", { class: "card", "data-review": v.id },
      previewOf(s, v),
      h("div", { class: "card-body" },
        h("h3", null, "#" + v.id + " " + v.title),
        h("p", { class: "note" }, v.type, v.target ? " · target " + v.target : "", v.job_id ? [" · ", jobLink(v.job_id, "vj-" + v.id)] : "", " · ", when(v.created_at)),
        h("p", { class: "content" }, v.content),
        h("div", { class: "decide" },
          h("label", { for: "note-" + v.id }, "Note"), note,
          h("button", { type: "button", class: "approve", "data-key": "approve-" + v.id, onclick: decide("approve") }, "Approve"),
          h("button", { type: "button", class: "reject", "data-key": "reject-" + v.id, onclick: decide("reject") }, "Reject"))));
  }

  VIEWS.killswitch = function (root) {
    document.title = "Killswitch · ModelReins local console";
    var statusRegion = h("div", { class: "region" });
    var activate = h("form", { class: "killswitch", "aria-labelledby": "ks-on", onsubmit: function (event) {
      event.preventDefault();
      act("killswitch", { level: Number(activate.level.value), reason: activate.reason.value }, function (data) {
        activate.reason.value = "";
        return "Killswitch active: " + data.cancelled_jobs.length + " running job(s) cancelled, " + data.paused_workers + " worker(s) paused.";
      });
    } },
      h("h2", { id: "ks-on" }, "Activate"),
      h("p", null, "Cancels every running job, pauses every worker and refuses dispatch and claims until it is cleared."),
      h("div", { class: "field" }, h("label", { for: "ks-level" }, "Level"),
        h("select", { id: "ks-level", name: "level" }, [0, 1, 2, 3, 4].map(function (n) { return h("option", { value: n, selected: n === 1 }, String(n)); }))),
      h("div", { class: "field wide" }, h("label", { for: "ks-reason" }, "Reason"), h("input", { id: "ks-reason", name: "reason", type: "text", required: true })),
      h("div", { class: "field" }, h("button", { type: "submit", class: "danger" }, "Activate killswitch")));
    var clear = h("form", { class: "killswitch", "aria-labelledby": "ks-off", onsubmit: function (event) {
      event.preventDefault();
      act("killswitch/clear", { resume_all: clear.resume_all.checked }, function (data) {
        return "Killswitch cleared; " + data.resumed_workers + " worker(s) resumed.";
      });
    } },
      h("h2", { id: "ks-off" }, "Clear"),
      h("div", { class: "field check" }, h("input", { id: "ks-resume", name: "resume_all", type: "checkbox", checked: true }),
        h("label", { for: "ks-resume" }, "Resume all paused workers")),
      h("div", { class: "field" }, h("button", { type: "submit" }, "Clear killswitch")));
    root.append(h("h1", null, "Killswitch"), statusRegion, activate, clear);
    return function (s) {
      var k = s.killswitch;
      activate.hidden = k.active;
      clear.hidden = !k.active;
      fill(statusRegion, k.active
        ? h("p", { class: "ks-state on" }, "Active since ", when(k.activated_at), ", level " + k.level + ": " + k.reason)
        : h("p", { class: "ks-state" }, "Not active: jobs are dispatched and claimed normally."));
    };
  };

  // Heartbeat ages move on between events.
  setInterval(function () {
    document.querySelectorAll(".age[data-since]").forEach(function (el) { el.textContent = age(el.getAttribute("data-since")); });
  }, 1000);

  // After a move to another page, keyboard and screen-reader users start at its content.
  window.addEventListener("hashchange", function () {
    navigate();
    document.getElementById("view").focus({ preventScroll: true });
  });
  navigate();
  refresh().then(listen);
})();
`;
