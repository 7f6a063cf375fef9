/** A layer cannot be applied the way a runtime would (it would refuse it too). Its own module: the CLI's start names it without loading the tree. */
export class ApplyError extends Error {}
