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

export function processOutput(): CliOutput {
  return {
    line: (t) => process.stdout.write(`${t}\n`),
    json: (v) => process.stdout.write(`${JSON.stringify(v, null, 2)}\n`),
    note: (t) => process.stderr.write(`${t}\n`),
    inputError(message) {
      process.stderr.write(`iommu-spec: ${message}\n`);
      return EXIT.INPUT;
    },
  };
}
