import { assert } from '@japa/assert'
import { apiClient } from '@japa/api-client'
import app from '@adonisjs/core/services/app'
import type { Config } from '@japa/runner/types'
import type { Test } from '@japa/runner/core'
import { pluginAdonisJS } from '@japa/plugin-adonisjs'
import testUtils from '@adonisjs/core/services/test_utils'
import { sessionApiClient } from '@adonisjs/session/plugins/api_client'
import { shieldApiClient } from '@adonisjs/shield/plugins/api_client'
import { authApiClient } from '@adonisjs/auth/plugins/api_client'
import { closeBrowser } from '#tests/helpers/browser'
import { countingReporter } from '#tests/helpers/counting_reporter'
import { databaseSessionClient } from '#tests/helpers/database_session_client'
import SeedTaxonomy from '#orgs/actions/seed_taxonomy'
import { verificationEvents } from '#certificates/services/verification_event_buffer'

export const plugins: Config['plugins'] = [
  assert(),
  apiClient(),
  pluginAdonisJS(app),
  sessionApiClient(app),
  // After sessionApiClient: test sessions go to the app's real (database) store.
  databaseSessionClient(),
  shieldApiClient(),
  authApiClient(app),
]

const japaReporters = await import('@japa/runner/reporters')

export const reporters: Config['reporters'] = {
  activated: ['spec', 'counting'],
  list: [japaReporters.spec(), countingReporter()],
}

/**
 * Migrations run once per run on a fresh database (bin/test_all.js deletes the
 * SQLite file or creates a throwaway PostgreSQL database). Each test then runs
 * inside a global transaction that is rolled back.
 */
export const runnerHooks: Required<Pick<Config, 'setup' | 'teardown'>> = {
  setup: [
    async () => {
      const rollback = await testUtils.db().migrate()
      await SeedTaxonomy.handle()
      return rollback
    },
  ],
  teardown: [() => closeBrowser()],
}

/**
 * Verification views wait in memory for their batch (up to 250 ms): each
 * test writes its own before its global transaction is rolled back, so none
 * lands in the next test. A setup hook added after the group's own ones
 * (a tap runs after `group.each.setup`) is cleaned up before them.
 */
const flushViewsAfterEachTest = (test: Test) => test.setup(() => () => verificationEvents.flush())

export const configureSuite: Config['configureSuite'] = (suite) => {
  suite.onGroup((group) => group.tap(flushViewsAfterEachTest))
  suite.onTest(flushViewsAfterEachTest)
  if (['browser', 'functional', 'e2e'].includes(suite.name)) {
    return suite.setup(() => testUtils.httpServer().start())
  }
}
