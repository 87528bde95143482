import { type ChildProcess, spawn } from 'node:child_process'
import { test } from '@japa/runner'
import app from '@adonisjs/core/services/app'
import db from '@adonisjs/lucid/services/db'
import deliveries from '#config/deliveries'
import type Organization from '#orgs/models/organization'
import StartDelivery from '#deliveries/actions/start_delivery'
import Delivery from '#deliveries/models/delivery'
import { givenOrg } from '#tests/helpers/given'
import { allowOutbound, givenSmtpIntegration } from '#tests/helpers/deliveries'
import { givenIssuedJob, learners } from '#tests/helpers/delivery_jobs'
import { removeOrgData } from '#tests/helpers/certificates_cleanup'
import { startSmtpStandIn, type SmtpStandIn } from '../../../stand_ins/smtp.js'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const SEND_TIMEOUT_MS = 2_000

/** `node ace queue:work` against the test database, a short lease and send timeout, the stand-in allowed. */
function standaloneWorker(args: string[] = [], lanes = 4): ChildProcess {
  return spawn(process.execPath, ['ace', 'queue:work', `--lanes=${lanes}`, ...args], {
    cwd: app.makePath(),
    env: {
      ...process.env,
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      QUEUE_LEASE_SECONDS: '2',
      DELIVERY_SEND_TIMEOUT_MS: String(SEND_TIMEOUT_MS),
      OUTBOUND_ALLOWED_HOSTS: '127.0.0.1',
    },
    stdio: 'ignore',
  })
}

async function removeDeliveryData(orgId: string) {
  await db.from('delivery_attempts').where('organization_id', orgId).delete()
  await db.from('delivery_messages').where('organization_id', orgId).delete()
  await db.from('deliveries').where('organization_id', orgId).delete()
  await db.from('delivery_suppressions').where('organization_id', orgId).delete()
  const integrations = await db
    .from('delivery_integrations')
    .where('organization_id', orgId)
    .select('id')
  const keys = integrations.map((row) => `integration:${row.id}`)
  await db.from('delivery_throttle_slots').whereIn('sender_key', keys).delete()
  await db.from('delivery_throttle_recipients').whereIn('sender_key', keys).delete()
  await db.from('delivery_throttles').whereIn('sender_key', keys).delete()
  await db
    .from('delivery_integration_secrets')
    .whereIn(
      'integration_id',
      integrations.map((row) => row.id)
    )
    .delete()
  await db.from('delivery_integrations').where('organization_id', orgId).delete()
}

const countWhere = async (deliveryId: string, statuses: string[]) => {
  const row = await db
    .from('delivery_messages')
    .where('delivery_id', deliveryId)
    .whereIn('status', statuses)
    .count('* as n')
    .first()
  return Number(row.n)
}

test.group('Deliveries: crash safety (committed, real worker processes)', (group) => {
  const orgs: Organization[] = []
  let standIn: SmtpStandIn
  let undoAllow: () => void
  group.setup(async () => {
    standIn = await startSmtpStandIn()
    undoAllow = allowOutbound('127.0.0.1')
    return async () => {
      undoAllow()
      await standIn.close()
    }
  })
  group.each.teardown(async () => {
    for (const org of orgs.splice(0)) {
      await removeDeliveryData(org.id)
      await removeOrgData(org.id)
    }
  })

  test('a standalone worker SIGKILLed again and again during a 1,000-message send: one mail per recipient but for the in-flight ones at each kill', async ({
    assert,
  }) => {
    const { org } = await givenOrg()
    orgs.push(org)
    const integration = await givenSmtpIntegration(org, { port: standIn.port })
    integration.config = { ...integration.config, messages_per_second: 300 }
    await integration.save()
    const { job } = await givenIssuedJob(org, learners(1000))
    const started = await StartDelivery.handle({
      org,
      job: job.id,
      channels: ['email'],
      audience: 'all',
      fallbackToEmail: false,
      actorUserId: null,
    })
    if (started.kind !== 'created') throw new Error(JSON.stringify(started))
    const deliveryId = started.delivery.id

    const inFlightAtKills: number[] = []
    for (let round = 0; round < 5; round++) {
      const before = await countWhere(deliveryId, ['sent'])
      if (before >= 1000) break
      const worker = standaloneWorker()
      const began = Date.now()
      while (
        Date.now() - began < 60_000 &&
        (await countWhere(deliveryId, ['sent'])) < before + 120 + round * 17 &&
        worker.exitCode === null
      )
        await sleep(25)
      worker.kill('SIGKILL')
      await new Promise((resolve) =>
        worker.exitCode !== null ? resolve(null) : worker.once('exit', resolve)
      )
      inFlightAtKills.push(await countWhere(deliveryId, ['sending']))
    }
    assert.isAtLeast(inFlightAtKills.length, 3)

    // The killed workers' leases and calls time out; then last workers finish the delivery (as
    // many as a slow, shared machine needs within two minutes: the test is about what was sent).
    for (const deadline = Date.now() + 120_000; Date.now() < deadline;) {
      await sleep(SEND_TIMEOUT_MS + 1_500)
      const finisher = standaloneWorker(['--once'])
      await new Promise((resolve) => finisher.once('exit', resolve))
      const polled = await Delivery.findOrFail(deliveryId)
      if (polled.status === 'completed') break
    }
    const done = await Delivery.findOrFail(deliveryId)
    assert.equal(done.status, 'completed')
    assert.equal(await countWhere(deliveryId, ['sent']), 1000)

    const perRecipient = new Map<string, number>()
    for (const mail of standIn.messages()) {
      for (const to of mail.envelope.to) perRecipient.set(to, (perRecipient.get(to) ?? 0) + 1)
    }
    assert.equal(perRecipient.size, 1000, 'every recipient got their mail')
    const repeats = [...perRecipient.values()].reduce((sum, n) => sum + n - 1, 0)
    // A call given up after the send timeout is in flight too: the server may still have taken the
    // mail after we stopped waiting (it happens when the machine is slow), and it is sent again.
    const timedOut = await db
      .from('delivery_attempts')
      .where('organization_id', org.id)
      .where('error_code', 'E_TIMEOUT')
      .count('* as n')
      .first()
    const allowed = inFlightAtKills.reduce((sum, n) => sum + n, 0) + Number(timedOut.n)
    console.log(
      `crash test: ${inFlightAtKills.length} kills, in flight at each: [${inFlightAtKills.join(', ')}], calls timed out: ${timedOut.n}, repeated mails: ${repeats} (allowed ${allowed})`
    )
    assert.isAtMost(repeats, allowed)
    const repeatedAccepted = await db
      .from('delivery_attempts')
      .where('organization_id', org.id)
      .where('outcome', 'accepted')
      .groupBy('message_id')
      .havingRaw('count(*) > 1')
      .select('message_id')
    assert.lengthOf(repeatedAccepted, 0, 'no message accepted and stored was sent again')
  }).timeout(600_000)

  test('two worker processes sending one delivery at R messages a second: no second at the SMTP server sees more than R', async ({
    assert,
  }) => {
    const { org } = await givenOrg()
    orgs.push(org)
    const integration = await givenSmtpIntegration(org, { port: standIn.port })
    integration.config = { ...integration.config, messages_per_second: 5 }
    await integration.save()
    const { job } = await givenIssuedJob(org, learners(30))
    standIn.reset()
    const previousBatch = deliveries.batchSize
    deliveries.batchSize = 5
    let deliveryId: string
    try {
      const started = await StartDelivery.handle({
        org,
        job: job.id,
        channels: ['email'],
        audience: 'all',
        fallbackToEmail: false,
        actorUserId: null,
      })
      if (started.kind !== 'created') throw new Error(JSON.stringify(started))
      deliveryId = started.delivery.id
    } finally {
      deliveries.batchSize = previousBatch
    }
    // One lane each: every process holds one batch at a time, so both send.
    const workers = [standaloneWorker([], 1), standaloneWorker([], 1)]
    try {
      const began = Date.now()
      while (Date.now() - began < 60_000) {
        const delivery = await Delivery.findOrFail(deliveryId)
        if (delivery.status === 'completed') break
        await sleep(100)
      }
    } finally {
      for (const worker of workers) worker.kill('SIGKILL')
    }
    const mails = standIn.messages()
    assert.lengthOf(mails, 30)
    const owners = await db
      .from('delivery_attempts')
      .where('organization_id', org.id)
      .distinct('worker')
    assert.lengthOf(owners, 2, 'both processes sent')
    const times = mails.map((m) => m.receivedAt.getTime()).sort((a, b) => a - b)
    for (const [i, at] of times.entries()) {
      const inWindow = times.filter((t) => t >= at && t < at + 1000).length
      assert.isAtMost(inWindow, 5, `window from message ${i + 1}`)
    }
  }).timeout(120_000)
})
