import type {EntryTable} from './entry-table.js';

/**
 * The image model every mode reads: one image, its config and history, and
 * the ordered layers with their complete changesets. A layer's entries are
 * columns (an EntryTable), not an object per entry: they are what every
 * later stage reads, for the whole run.
 */

export type EntryType = 'file' | 'dir' | 'symlink' | 'hardlink' | 'char' | 'block' | 'fifo';

/** One path as a layer's tar sets it (after PAX/GNU names and normalisation); EntryTable.at() makes one on demand. */
export interface LayerEntry {
	/** Absolute, normalised: "/etc/hosts". The root itself is "/". */
	path: string;
	type: EntryType;
	/** Permission bits including setuid/setgid/sticky (mode & 0o7777). */
	mode: number;
	uid: number;
	gid: number;
	/** Content bytes: the expanded size for sparse files, 0 for everything but files. */
	size: number;
	/** Seconds since the epoch (fractional when PAX says so). */
	mtime: number;
	/** Symlink target as written, or the absolute path a hard link points to. */
	linkTarget?: string;
	/** sha256 (hex) of the content, for files only. */
	digest?: string;
	devMajor?: number;
	devMinor?: number;
}

export interface LayerChangeset {
	/** Entries in tar order; when a path repeats, the later entry wins. */
	entries: EntryTable;
	/** Absolute paths hidden by `.wh.NAME` files (applies to lower layers only). */
	whiteouts: string[];
	/** Absolute directory paths marked opaque by `.wh..wh..opq`. */
	opaqueDirs: string[];
	/** The package-manager database files the layer stores, kept as it was read (absent: none, or a hand-made model). */
	packageFiles?: PackageFiles;
}

/**
 * Package database files of one layer (dpkg status and lists, apk's
 * installed, rpmdb.sqlite, RECORDs, package.json identities), one record
 * per file: its path and its bytes as a slice of one buffer. The few
 * hundred files of a Debian layer are a buffer and a list of paths, and a
 * worker hands them over as they are.
 */
export interface PackageFiles {
	/** Absolute, normalised, as the tar names them. */
	paths: string[];
	/** File i is bytes[ends[i-1]..ends[i]). For a package.json, only {"name", "version"} as JSON. */
	bytes: Uint8Array;
	ends: Uint32Array;
	/** Database files seen but not kept (over a cap, sparse), worded for the user. */
	notes: string[];
}

export type Compression = 'none' | 'gzip' | 'zstd';

/**
 * What a layer descriptor's annotations state of the table of contents an
 * eStargz or zstd:chunked blob carries (the manifest's digest vouches for
 * them): the digest that makes the TOC trusted, and where zstd:chunked keeps it.
 */
export interface LayerTocNote {
	format: 'estargz' | 'zstd-chunked';
	/** "sha256:…" of eStargz's TOC JSON, or of zstd:chunked's compressed manifest. */
	digest: string | null;
	/** zstd:chunked: the compressed manifest's place in the blob. */
	position: {offset: number; length: number; uncompressedLength: number} | null;
}

export interface Layer extends LayerChangeset {
	index: number;
	/** Digest of the blob as stored (compressed), when the format names it. */
	digest: string | null;
	/** sha256 of the uncompressed tar, as computed while reading. */
	diffId: string;
	mediaType: string | null;
	compression: Compression;
	/** Bytes of the blob as stored. */
	compressedSize: number;
	/** Bytes of the uncompressed tar stream. */
	size: number;
	/** Sum of the content sizes of the files the layer stores (hard links counted once). */
	contentSize: number;
	/** Index into Image.history of the step that made this layer, or null when history is short. */
	historyIndex: number | null;
	/** The descriptor's word on a table of contents (eStargz, zstd:chunked), when it gives one. */
	toc?: LayerTocNote;
}

export interface HistoryStep {
	created: string | null;
	createdBy: string;
	comment: string | null;
	author: string | null;
	emptyLayer: boolean;
	/** The layer this step produced, or null for metadata-only steps (ENV, CMD, ...). */
	layerIndex: number | null;
}

export interface Platform {
	os: string;
	architecture: string;
	variant?: string;
}

export interface Healthcheck {
	test: string[];
	interval?: number;
	timeout?: number;
	startPeriod?: number;
	retries?: number;
}

export interface ImageConfig {
	env: string[];
	cmd: string[] | null;
	entrypoint: string[] | null;
	workingDir: string;
	user: string;
	exposedPorts: string[];
	volumes: string[];
	labels: Record<string, string>;
	healthcheck: Healthcheck | null;
	stopSignal: string | null;
}

export type SourceFormat =
	| 'docker-archive'
	| 'docker-archive-oci'
	| 'oci-layout'
	| 'oci-archive'
	| 'registry';

/** How the image reached us: a file or directory, standard input, an engine's export, a registry. */
export interface ImageSource {
	kind: 'file' | 'stdin' | 'engine' | 'registry';
	/** The engine socket or registry address asked: "unix:///run/podman/podman.sock", "https://ghcr.io". */
	endpoint: string | null;
}

export interface Image {
	/** What the user named: a path, "-", with any ":ref" removed. */
	input: string;
	source: ImageSource;
	format: SourceFormat;
	/** True when the outer archive itself was gzip-compressed. */
	compressedArchive: boolean;
	repoTags: string[];
	/** The image ID: the config blob's digest. */
	id: string;
	/** Digest of the image manifest, or null for legacy docker archives, which have none. */
	manifestDigest: string | null;
	platform: Platform;
	created: string | null;
	config: ImageConfig;
	history: HistoryStep[];
	layers: Layer[];
}

/** A layer as the reports know it: everything but its changeset (all an analysis-cache hit has of it). */
export type LayerFacts = Omit<Layer, keyof LayerChangeset>;

/** An image as the reports know it: its layers without their changesets. */
export interface ImageFacts extends Omit<Image, 'layers'> {
	layers: LayerFacts[];
}
