import env from '#start/env'

/**
 * Limits for uploaded files. Size is checked while the upload streams in
 * and again before anything parses it; parsing runs in a worker thread with
 * a time limit and a heap limit, so a hostile file costs that thread only.
 */
const uploads = {
  /** Largest upload accepted (templates, branding images). */
  maxBytes: env.get('UPLOAD_MAX_BYTES', 10 * 1024 * 1024),
  /** Time one file may take to be parsed and normalised. */
  processingTimeoutMs: env.get('FILE_PROCESSING_TIMEOUT_MS', 20_000),
  /** V8 heap of the worker thread that parses it. */
  processingMaxHeapMb: env.get('FILE_PROCESSING_MAX_HEAP_MB', 192),
  /** Width of template background previews, pixels. */
  previewWidth: 1600,
  /** Longest side of a stored branding image, pixels. */
  brandingMaxSide: 2000,
}

export default uploads
