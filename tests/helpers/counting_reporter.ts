import { writeFileSync } from 'node:fs'
import { relative } from 'node:path'
import { BaseReporter } from '@japa/runner/core'

/** How many of the slowest spec files the run prints at its end. */
const SLOWEST_SHOWN = 12

/**
 * Writes `{ passed, failed, skipped, todo }` to $TEST_SUMMARY_FILE when the
 * run ends; bin/test_all.js turns it into the final `N passed, N failed` line.
 * It also prints the slowest spec files by wall time (their groups' hooks
 * included), so a suite that outgrows the CI budget shows where the time goes.
 */
class CountingReporter extends BaseReporter {
  static name = 'counting'

  /** Wall time per spec file, ms, and when the file now running began. */
  #fileTimes = new Map<string, number>()
  #current?: { file: string; since: number }

  #enter(file: string | undefined) {
    if (!file || this.#current?.file === file) return
    this.#leave()
    this.#current = { file, since: performance.now() }
  }

  #leave() {
    if (!this.#current) return
    const { file, since } = this.#current
    this.#fileTimes.set(file, (this.#fileTimes.get(file) ?? 0) + performance.now() - since)
    this.#current = undefined
  }

  protected onGroupStart(payload: { meta: { fileName?: string } }) {
    this.#enter(payload.meta.fileName)
  }

  protected onTestStart(payload: { meta: { fileName?: string } }) {
    this.#enter(payload.meta.fileName)
  }

  protected onSuiteEnd() {
    this.#leave()
  }

  protected async end() {
    this.#leave()
    const slowest = [...this.#fileTimes]
      .sort((a, b) => b[1] - a[1])
      .slice(0, SLOWEST_SHOWN)
      .map(
        ([file, ms]) =>
          `  ${(ms / 1000).toFixed(1).padStart(6)} s  ${relative(process.cwd(), file)}`
      )
    const total = [...this.#fileTimes.values()].reduce((sum, ms) => sum + ms, 0)
    if (slowest.length)
      console.log(
        `\nSlowest spec files (of ${Math.round(total / 1000)} s in specs):\n${slowest.join('\n')}`
      )

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
