/*
| Every scheduled command and when it runs (cron: minute hour day month
| weekday). Each is an ace command that also runs by hand (`node ace
| certificates:expire`). The schedule runs in ONE process, `node ace
| scheduler:run`: `npm start` spawns it beside the web server; a production
| deployment runs exactly one (web processes never run it). Every command is
| safe to run twice at once anyway: their writes are conditional updates.
| `--quiet`: a run that finds nothing to do prints nothing.
*/
import scheduler from 'adonisjs-scheduler/services/main'

/** Issued certificates past their expiry become expired. */
scheduler.command('certificates:expire', ['--quiet']).cron('* * * * *').withoutOverlapping()

/** Imports whose read stopped without an outcome (a restart) are read again. */
scheduler.command('imports:recover', ['--quiet']).cron('* * * * *').withoutOverlapping()

/** Objects that failed attempts of recently finished jobs left in storage are deleted. */
scheduler.command('certificates:sweep-orphans', ['--quiet']).cron('17 * * * *').withoutOverlapping()

/** Signed-in sessions nobody used within their age are deleted (expired rows are never read). */
scheduler.command('sessions:prune', ['--quiet']).cron('41 * * * *').withoutOverlapping()

/** Razorpay orders, payments and refunds whose webhook may have been lost are settled from Razorpay's answers. */
scheduler.command('billing:reconcile', ['--quiet']).cron('29 * * * *').withoutOverlapping()

/** Ended billing months are closed and invoiced at 02:00 in India. */
scheduler
  .command('billing:run', ['--quiet'])
  .cron('0 2 * * *')
  .timezone('Asia/Kolkata')
  .withoutOverlapping()

/** Unpaid invoices: reminders, past due, suspended (each notice once); in India's business hours. */
scheduler
  .command('billing:dunning', ['--quiet'])
  .cron('30 9 * * *')
  .timezone('Asia/Kolkata')
  .withoutOverlapping()

/** Spend cap and trial usage alerts, each once a month. */
scheduler.command('billing:usage-alerts', ['--quiet']).cron('47 * * * *').withoutOverlapping()
