import type {AnalysisBuilder} from './analyse.js';

/**
 * Two analyses made at once in one run (a diff's two images, `--ci --baseline`'s) whose images start with the
 * same layers (the same diff_ids, checked as they are read: the base they share): side 0 stacks those layers,
 * and side 1 goes on from a copy of side 0's builder as it stood with exactly them stacked, so a shared base is
 * stacked once. Each side says its diff_ids once its config is verified, or that it stacks nothing (its facts
 * came from the analysis cache, it has no verified config, or its load failed); side 1 never waits for a side
 * that said so.
 */
export class SharedStacking {
	private readonly diffIds: Array<readonly string[] | null | undefined> = [undefined, undefined];
	/** Sides that said they stack nothing. */
	private readonly out = [false, false];
	private settle: () => void = () => {};
	private readonly settled = new Promise<void>(resolve => (this.settle = resolve));
	private give: (builder: AnalysisBuilder | null) => void = () => {};
	private readonly copy = new Promise<AnalysisBuilder | null>(resolve => (this.give = resolve));

	/** A side's diff_ids, from its verified config (before any of its layers is stacked). */
	configured(side: 0 | 1, diffIds: readonly string[]): void {
		if (this.diffIds[side] !== undefined) return;
		this.diffIds[side] = diffIds;
		this.check();
	}

	/** A side stacks nothing, or failed: the other does not wait for it. */
	withdraw(side: 0 | 1): void {
		this.out[side] = true;
		if (side === 0) this.give(null);
		if (this.diffIds[side] !== undefined) return;
		this.diffIds[side] = null;
		this.check();
	}

	/** How many bottom layers both stack alike: 0 when either side has no verified config, or side 1 stacks nothing. */
	async sharedLayers(): Promise<number> {
		await this.settled;
		const [a, b] = this.diffIds;
		if (!a || !b || this.out[1]) return 0;
		let count = 0;
		while (count < a.length && count < b.length && a[count] === b[count]) count++;
		return count;
	}

	/**
	 * The builder a side stacks with: side 0 a new one, which hands side 1 its copy at the shared layers; side 1
	 * that copy (its own first layers then pass unstacked), or a new one when nothing is shared.
	 */
	async builder(side: 0 | 1, make: () => AnalysisBuilder): Promise<AnalysisBuilder> {
		// A side without a verified config by the time it stacks has nothing it can share.
		this.withdrawUnlessConfigured(side);
		if (side === 0) {
			const builder = make();
			void this.sharedLayers().then(count => (count > 0 ? builder.copyAt(count, copy => this.give(copy && !this.out[1] ? copy() : null)) : this.give(null)));
			return builder;
		}
		// Null when nothing is shared, when side 0 stacks nothing, or when it stacked past them before it knew.
		return (await this.copy) ?? make();
	}

	private withdrawUnlessConfigured(side: 0 | 1): void {
		if (this.diffIds[side] === undefined) this.withdraw(side);
	}

	private check(): void {
		if (this.diffIds.every(ids => ids !== undefined)) this.settle();
	}
}
