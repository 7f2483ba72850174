/** Bad input: names the file, line and field so a user can fix it without a stack trace. */
export class HistoryError extends Error {
  constructor(
    readonly file: string,
    readonly line: number | null,
    readonly field: string | null,
    readonly detail: string,
  ) {
    super(
      `${file}${line === null ? '' : `:${line}`}: ${field === null ? '' : `field "${field}": `}${detail}`,
    );
    this.name = 'HistoryError';
  }
}
