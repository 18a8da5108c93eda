/** An error as log fields: message and stack, never a bare object that serialises to `{}`. */
export function errorFields(error: unknown): { message: string; stack?: string | undefined; code?: string } {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return { message: error.message, stack: error.stack, ...(typeof code === 'string' ? { code } : {}) };
  }
  return { message: String(error) };
}
