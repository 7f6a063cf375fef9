/**
 * An input the user gave us cannot be read. The message is written for the
 * user and names the input; only the CLI turns it into a line and an exit code.
 */
export class InputError extends Error {
	override readonly name = 'InputError';

	constructor(
		readonly input: string,
		readonly problem: string,
		options?: {cause?: unknown},
	) {
		super(`${input}: ${problem}`, options);
	}
}

/** Bad flags or arguments: also exit 2, but nothing to do with the image. */
export class UsageError extends Error {
	override readonly name = 'UsageError';
}

/** The core's own problems carry a message meant for a person; anything else is a bug. */
export function describeError(error: unknown): string {
	if (error instanceof InputError || error instanceof UsageError) return error.message;
	if (error instanceof Error) return error.message;
	return String(error);
}
