/** An error meant for the user: its message names what went wrong and where (file, line, field). */
export class EvalkitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EvalkitError';
  }
}
