import env from '#start/env'

/**
 * Limits for uploaded files. Size is checked while the upload streams in
 * and again before anything parses it; parsing runs in a child process with
 * a time limit, a heap limit and a memory ceiling, so a hostile file costs
 * that process only (a native decoder may crash on one; the server does
 * not), and a few such children at most run at once.
 */
const uploads = {
  /** Largest upload accepted (templates, branding images). */
  maxBytes: env.get('UPLOAD_MAX_BYTES', 10 * 1024 * 1024),
  /** Time one file may take to be parsed and normalised. */
  processingTimeoutMs: env.get('FILE_PROCESSING_TIMEOUT_MS', 20_000),
  /** V8 heap of the child process that parses it. */
  processingMaxHeapMb: env.get('FILE_PROCESSING_MAX_HEAP_MB', 256),
  /** Resident memory of that process (native decoders included); it is stopped above this. */
  processingMaxRssMb: env.get('FILE_PROCESSING_MAX_RSS_MB', 640),
  /**
   * Uploads parsed at once by this process, each in its own child; the
   * others wait their turn, so parsing holds at most this × the memory
   * ceiling above.
   */
  processingConcurrency: env.get('FILE_PROCESSING_CONCURRENCY', 2),
  /** Template and branding uploads per organization and per IP address, per minute. */
  throttlePerMinute: env.get('UPLOAD_THROTTLE_PER_MINUTE', 10),
  /** Width of template background previews, pixels. */
  previewWidth: 1600,
  /** Longest side of a stored branding image, pixels. */
  brandingMaxSide: 2000,
}

export default uploads
