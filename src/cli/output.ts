/** Exit codes (README.md, Commands) and the printing side of every command. */
export const EXIT = { OK: 0, VIOLATION: 1, INPUT: 2, INCOMPLETE: 3, UNAVAILABLE: 4 } as const;

export interface CliOutput {
  line(text: string): void;
  json(value: unknown): void;
  /** Progress and notices: stderr. */
  note(text: string): void;
  /** Prints "iommu-spec: <message>" on stderr and returns exit code 2. */
  inputError(message: string): number;
}

/** The output over two writers: the text that goes to stdout and the text that goes to stderr. */
export function writerOutput(stdout: (s: string) => void, stderr: (s: string) => void): CliOutput {
  return {
    line: (t) => stdout(`${t}\n`),
    json: (v) => stdout(`${JSON.stringify(v, null, 2)}\n`),
    note: (t) => stderr(`${t}\n`),
    inputError(message) {
      stderr(`iommu-spec: ${message}\n`);
      return EXIT.INPUT;
    },
  };
}

export function processOutput(): CliOutput {
  return writerOutput(
    (s) => process.stdout.write(s),
    (s) => process.stderr.write(s),
  );
}

/** An output that keeps what a command prints, byte for byte what the process would print. */
export interface CapturedOutput extends CliOutput {
  readonly stdout: string;
  readonly stderr: string;
}

export function captureOutput(): CapturedOutput {
  const text = { stdout: '', stderr: '' };
  const w = writerOutput(
    (s) => {
      text.stdout += s;
    },
    (s) => {
      text.stderr += s;
    },
  );
  return {
    ...w,
    get stdout() {
      return text.stdout;
    },
    get stderr() {
      return text.stderr;
    },
  };
}
