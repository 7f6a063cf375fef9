/** A problem in the layer's bytes, worded for the user; the caller adds which input and layer. Its own module: the load names it without loading the tar reader. */
export class LayerFormatError extends Error {}
