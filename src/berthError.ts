/** Base class for Berth's errors: a stable machine-readable `code` and the underlying `cause`. */
export class BerthError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}
