import env from '#start/env'

/**
 * Limits for recipient imports. Over a limit the upload is refused with the
 * limit named (413 for size, 422 for rows and columns). Reading runs in a
 * worker thread with the time and heap limits below (see ARCHITECTURE.md,
 * "Heavy work and hostile files").
 */
const imports = {
  /** Largest recipient file, bytes. */
  maxBytes: env.get('IMPORT_MAX_BYTES', 25 * 1024 * 1024),
  /** Recipient rows per import. */
  maxRows: env.get('IMPORT_MAX_ROWS', 100_000),
  /** Columns per file. */
  maxColumns: env.get('IMPORT_MAX_COLUMNS', 200),
  /** .xlsx files: parts in the ZIP, their total unpacked size, and how much one part may grow. */
  zip: {
    maxEntries: 1000,
    maxTotalBytes: env.get('IMPORT_MAX_UNPACKED_BYTES', 128 * 1024 * 1024),
    maxRatio: 200,
  },
  /** Time a file may take to be read, checked and stored. */
  processingTimeoutMs: env.get('IMPORT_PROCESSING_TIMEOUT_MS', 120_000),
  /** V8 heap of the thread that reads it, MB. */
  maxHeapMb: env.get('IMPORT_MAX_HEAP_MB', 128),
  /** How long an upload request waits for the result before answering "processing". */
  waitForResultMs: 8_000,
}

export default imports
