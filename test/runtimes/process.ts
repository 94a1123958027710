/**
 * A child process of the runtimes driver: its output kept for waiting on a
 * line and for the post-mortem of a failed check, its exit as a promise.
 */
import { type ChildProcess, spawn } from "node:child_process";

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Every child started and not yet exited: killed when the driver ends, pass or fail. */
const live = new Set<ChildProcess>();

export function killAll(): void {
  for (const child of live) child.kill("SIGKILL");
}

export class Child {
  readonly #child: ChildProcess;
  stdout = "";
  stderr = "";
  readonly exited: Promise<Exit>;
  readonly #listeners = new Set<() => void>();

  constructor(argv: readonly string[], options: { cwd: string; env: NodeJS.ProcessEnv }) {
    const [command, ...args] = argv;
    if (command === undefined) throw new TypeError("Child: empty argv");
    this.#child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ["ignore", "pipe", "pipe"] });
    live.add(this.#child);
    this.#child.stdout?.setEncoding("utf8").on("data", (chunk: string) => this.#append("stdout", chunk));
    this.#child.stderr?.setEncoding("utf8").on("data", (chunk: string) => this.#append("stderr", chunk));
    this.exited = new Promise((resolve) => {
      this.#child.on("error", (error) => {
        this.stderr += `spawn failed: ${error.message}\n`;
        live.delete(this.#child);
        resolve({ code: null, signal: null });
      });
      this.#child.on("close", (code, signal) => {
        live.delete(this.#child);
        resolve({ code, signal });
      });
    });
  }

  #append(stream: "stdout" | "stderr", chunk: string): void {
    this[stream] += chunk;
    for (const listener of this.#listeners) listener();
  }

  kill(signal: NodeJS.Signals): void {
    this.#child.kill(signal);
  }

  /** Resolves with the first match of `pattern` in stdout + stderr; rejects after `ms` or when the child exits first. */
  waitFor(pattern: RegExp, ms = 30_000): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const match = `${this.stdout}\n${this.stderr}`.match(pattern);
        if (match) finish(() => resolve(match));
      };
      const timer = setTimeout(() => finish(() => reject(new Error(`no ${pattern} within ${ms} ms`))), ms);
      const finish = (then: () => void) => {
        clearTimeout(timer);
        this.#listeners.delete(check);
        then();
      };
      this.#listeners.add(check);
      void this.exited.then((exit) =>
        finish(() => reject(new Error(`exited (${describeExit(exit)}) before printing ${pattern}`))),
      );
      check();
    });
  }

  /** The exit, or a rejection after `ms`. */
  async exit(ms = 30_000): Promise<Exit> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`still running after ${ms} ms`)), ms);
    });
    try {
      return await Promise.race([this.exited, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** The last lines of its output, for a failure message. */
  tail(lines = 15): string {
    const all = [
      ...this.stdout.split("\n").map((l) => `out| ${l}`),
      ...this.stderr.split("\n").map((l) => `err| ${l}`),
    ];
    return all
      .filter((l) => l.length > 5)
      .slice(-lines)
      .join("\n");
  }
}

export function describeExit({ code, signal }: Exit): string {
  return signal ? `killed by ${signal}` : `exit ${code}`;
}
