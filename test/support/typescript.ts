/**
 * Type-checks virtual TypeScript files against the package's real types, with
 * the repository's tsconfig, as a user's files in `examples/` would be: for
 * tests that pin what compiles (the README's blocks) and what must not.
 */
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

/** The repository's root folder. */
export const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/**
 * How long a test that type-checks may take: a whole program is built (about
 * 10 s on a quiet machine, several times that on a loaded CI runner).
 */
export const TYPE_CHECK_TIMEOUT_MS = 120_000;

/** One diagnostic of a virtual file: its file name, line (from 1), code and text. */
export interface Problem {
  file: string;
  line: number;
  code: number;
  text: string;
}

/**
 * Compiles `sources` (file name → text) as files in `examples/`, and returns
 * the problems found in them (none from the package itself).
 */
export function typeCheck(sources: Record<string, string>): Problem[] {
  const config = ts.getParsedCommandLineOfConfigFile(
    join(root, "tsconfig.json"),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
        throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n"));
      },
    },
  );
  if (!config) throw new Error("tsconfig.json could not be read");
  const files = new Map(Object.entries(sources).map(([name, text]) => [join(root, "examples", name), text]));
  const host = ts.createCompilerHost(config.options);
  const { fileExists, readFile, getSourceFile } = host;
  host.fileExists = (name) => files.has(name) || fileExists.call(host, name);
  host.readFile = (name) => files.get(name) ?? readFile.call(host, name);
  host.getSourceFile = (name, language, ...rest) => {
    const text = files.get(name);
    return text === undefined
      ? getSourceFile.call(host, name, language, ...rest)
      : ts.createSourceFile(name, text, language, true);
  };
  const program = ts.createProgram([...files.keys()], { ...config.options, noEmit: true }, host);
  return ts
    .getPreEmitDiagnostics(program)
    .filter((diagnostic) => diagnostic.file && files.has(diagnostic.file.fileName))
    .map((diagnostic) => {
      const { line } = diagnostic.file?.getLineAndCharacterOfPosition(diagnostic.start ?? 0) ?? { line: 0 };
      return {
        file: diagnostic.file?.fileName.split("/").pop() ?? "",
        line: line + 1,
        code: diagnostic.code,
        text: ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n"),
      };
    });
}
