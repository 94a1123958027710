/** Small helpers shared by the bench's processes. */
import { readFileSync, writeFileSync } from "node:fs";

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

/** The p-th percentile (nearest rank) of the values. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] as number;
}

export const MiB = 1024 * 1024;

export function mib(bytes: number): string {
  return `${(bytes / MiB).toFixed(1)} MiB`;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Monotonic nanoseconds, comparable across processes on one Linux machine (CLOCK_MONOTONIC). */
export function nowNs(): bigint {
  return process.hrtime.bigint();
}

/** Milliseconds between two monotonic stamps. */
export function msBetween(from: bigint | string, to: bigint | string): number {
  return Number(BigInt(to) - BigInt(from)) / 1e6;
}

/** A field of /proc/self/status in bytes (VmRSS, VmHWM), or undefined off Linux. */
export function procStatusBytes(field: "VmRSS" | "VmHWM"): number | undefined {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(readFileSync("/proc/self/status", "utf8"));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Resets the peak RSS (VmHWM) to the current RSS; false where the kernel does not allow it. */
export function resetPeakRss(): boolean {
  try {
    writeFileSync("/proc/self/clear_refs", "5");
    return true;
  } catch {
    return false;
  }
}
