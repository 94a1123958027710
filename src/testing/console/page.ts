/**
 * The console's one HTML page: a shell that `app.js` fills in. The secret is
 * the only value put into it, and it is base64url (no character to escape).
 */
export function consolePage(secret: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="console-secret" content="${secret}">
<title>ModelReins local console</title>
<link rel="icon" href="/_console/icon.svg">
<link rel="stylesheet" href="/_console/app.css">
<script src="/_console/app.js" defer></script>
</head>
<body>
<a class="skip" href="#view">Skip to content</a>
<header>
<p class="brand"><a href="#/jobs">ModelReins <span>local console</span></a></p>
<nav aria-label="Sections">
<ul>
<li><a href="#/jobs" data-section="jobs">Jobs</a></li>
<li><a href="#/workers" data-section="workers">Workers</a></li>
<li><a href="#/reviews" data-section="reviews">Review queue <span id="review-count" class="count"></span></a></li>
<li><a href="#/killswitch" data-section="killswitch">Killswitch</a></li>
</ul>
</nav>
<p id="live" class="live" role="status">connecting…</p>
</header>
<div id="banner" role="alert"></div>
<div id="flash" role="status" aria-live="polite"></div>
<main id="view" tabindex="-1"><p>Loading…</p></main>
<noscript><p>The console needs JavaScript.</p></noscript>
</body>
</html>
`;
}

/** A small icon, so the browser's request for one is answered. */
export const CONSOLE_ICON =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#0b57d0"/><path d="M4 12V4l4 5 4-5v8" fill="none" stroke="#fff" stroke-width="2"/></svg>';
