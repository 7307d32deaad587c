/** A profile file or object that does not have the shape its format requires; the message says where. */
export class ProfileFormatError extends Error {
  override readonly name = 'ProfileFormatError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
