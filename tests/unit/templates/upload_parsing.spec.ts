import { test } from '@japa/runner'
import uploads from '#config/uploads'
import {
  normaliseBranding,
  normaliseUpload,
  uploadParsers,
} from '#templates/services/template_processing'
import { fixture } from '#tests/helpers/templates'

/**
 * Twelve parallel uploads once ran twelve parsing children (7.1 GB): template
 * and branding uploads share one bounded pool of parsers per process.
 */
test.group('Upload parsing', () => {
  test('more uploads than FILE_PROCESSING_CONCURRENCY at once: that many parse, the others wait their turn', async ({
    assert,
  }) => {
    const limit = uploads.processingConcurrency
    const pdf = fixture('pdf/empty.pdf')
    const started = [
      ...Array.from({ length: limit + 2 }, () => normaliseUpload(pdf, 'pdf', 1)),
      // Branding images wait in the same line.
      normaliseBranding(new Uint8Array(8)),
    ]
    assert.deepEqual(
      { running: uploadParsers.stats().running, waiting: uploadParsers.stats().waiting },
      { running: limit, waiting: 3 }
    )
    const outcomes = await Promise.all(started)
    assert.deepEqual(
      outcomes.slice(0, -1).map((outcome) => outcome.kind === 'ok' && outcome.value.kind),
      Array.from({ length: limit + 2 }, () => 'ok')
    )
    assert.deepEqual(uploadParsers.stats(), { running: 0, waiting: 0, peak: limit })
  }).timeout(120_000)
})
