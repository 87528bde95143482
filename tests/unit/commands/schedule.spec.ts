import { test } from '@japa/runner'
import app from '@adonisjs/core/services/app'
import testUtils from '@adonisjs/core/services/test_utils'
import { FsLoader, Kernel, type BaseCommand } from '@adonisjs/core/ace'

/** start/scheduler.ts, as `node ace scheduler:run` reads it. */
async function schedule() {
  const scheduler = await app.container.make('scheduler')
  return scheduler.items.map((item) => ({
    command: item.type === 'command' ? item.commandName : 'a callback',
    args: item.type === 'command' ? item.commandArgs : [],
    cron: item.getExpression(),
    withoutOverlapping: item.config.withoutOverlapping,
  }))
}

test.group('The schedule (start/scheduler.ts)', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  test('lists every periodic command with its cron expression, none overlapping itself', async ({
    assert,
  }) => {
    assert.deepEqual(await schedule(), [
      {
        command: 'certificates:expire',
        args: ['--quiet'],
        cron: '* * * * *',
        withoutOverlapping: true,
      },
      {
        command: 'imports:recover',
        args: ['--quiet'],
        cron: '* * * * *',
        withoutOverlapping: true,
      },
      {
        command: 'certificates:sweep-orphans',
        args: ['--quiet'],
        cron: '17 * * * *',
        withoutOverlapping: true,
      },
      {
        command: 'sessions:prune',
        args: ['--quiet'],
        cron: '41 * * * *',
        withoutOverlapping: true,
      },
      {
        command: 'billing:reconcile',
        args: ['--quiet'],
        cron: '29 * * * *',
        withoutOverlapping: true,
      },
      {
        command: 'billing:run',
        args: ['--quiet'],
        cron: '0 2 * * *',
        withoutOverlapping: true,
      },
      {
        command: 'billing:dunning',
        args: ['--quiet'],
        cron: '30 9 * * *',
        withoutOverlapping: true,
      },
      {
        command: 'billing:usage-alerts',
        args: ['--quiet'],
        cron: '47 * * * *',
        withoutOverlapping: true,
      },
    ])
  })

  test('each scheduled entry runs as the scheduler runs it: an ace command of the app, its arguments accepted', async ({
    assert,
  }) => {
    // The scheduler's own worker runs each tick through an ace kernel of its own, like this one.
    const kernel = new Kernel(app)
    kernel.addLoader(new FsLoader<typeof BaseCommand>(app.commandsPath()))
    await kernel.boot()
    for (const entry of await schedule()) {
      const command = await kernel.exec(entry.command, entry.args)
      assert.equal(command.exitCode, 0, `${entry.command} ${entry.args.join(' ')}`)
    }
  })
})
