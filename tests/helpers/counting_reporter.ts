import { writeFileSync } from 'node:fs'
import { BaseReporter } from '@japa/runner/core'

/**
 * Writes `{ passed, failed, skipped, todo }` to $TEST_SUMMARY_FILE when the
 * run ends; bin/test_all.js turns it into the final `N passed, N failed` line.
 */
class CountingReporter extends BaseReporter {
  static name = 'counting'

  protected async end() {
    const file = process.env.TEST_SUMMARY_FILE
    if (!file) return
    const summary = this.runner!.getSummary()
    writeFileSync(
      file,
      JSON.stringify({
        passed: summary.aggregates.passed,
        failed: summary.aggregates.failed,
        skipped: summary.aggregates.skipped,
        todo: summary.aggregates.todo,
        regressions: summary.aggregates.regression,
        hasError: summary.hasError,
      })
    )
  }
}

export function countingReporter() {
  return {
    name: 'counting',
    handler: (...args: Parameters<CountingReporter['boot']>) =>
      new CountingReporter({}).boot(...args),
  }
}
