import type { Group } from '@japa/runner/core'
import outbound from '#config/outbound'
import { QueueWorker } from '#core/queue/worker'
import { parseOutboundAllowList } from '#core/services/outbound_allow_list'
import type Organization from '#orgs/models/organization'
import CreateDeliveryIntegration from '#deliveries/actions/create_delivery_integration'
import DeliveryIntegration from '#deliveries/models/delivery_integration'
import { startSmtpStandIn, type SmtpStandIn } from '../../stand_ins/smtp.js'

/**
 * Lets the app connect to these hosts (OUTBOUND_ALLOWED_HOSTS' format), as a
 * platform allow-lists its local stand-ins; returns the undo for teardown.
 */
export function allowOutbound(hosts: string) {
  const before = outbound.allowedHosts
  outbound.allowedHosts = parseOutboundAllowList(hosts)
  return () => {
    outbound.allowedHosts = before
  }
}

export const SMTP_PASSWORD = 'canary-smtp-password-7f3a9c'

/** An SMTP integration of `org` pointing at host:port (allow-list it first for a loopback host). */
export async function givenSmtpIntegration(
  org: Organization,
  options: {
    host?: string
    port?: number
    username?: string
    password?: string
    name?: string
  } = {}
) {
  const result = await CreateDeliveryIntegration.handle({
    org,
    actorUserId: null,
    channel: 'email',
    provider: 'smtp',
    name: options.name ?? 'Our mail server',
    settings: {
      host: options.host ?? '127.0.0.1',
      port: options.port ?? 2525,
      security: 'none',
      username: options.username,
      from_email: 'certificates@acme.example',
      from_name: 'Acme Academy',
    },
    secrets: options.password ? { password: options.password } : {},
  })
  if (result.kind !== 'created')
    throw new Error(`integration not created: ${JSON.stringify(result)}`)
  return result.integration
}

/**
 * An SMTP integration written straight to the table, without the host
 * check (nothing connects to it): a record for route-wide specs.
 */
export function givenProbeIntegration(org: Organization) {
  return DeliveryIntegration.create({
    organizationId: org.id,
    channel: 'email',
    provider: 'smtp',
    displayName: 'Probe integration',
    isActive: true,
    isDefault: false,
    fromEmail: 'probe@example.org',
    config: { host: 'smtp.example.org', port: 587, security: 'starttls' },
  })
}

/** Runs the queued test messages in this process, then reloads the integration. */
export async function runTestMessages(integrationId: string) {
  await QueueWorker.drain({ lanes: 1 })
  return DeliveryIntegration.findOrFail(integrationId)
}

/**
 * An SMTP stand-in for the whole group, allow-listed on loopback, emptied
 * before each test: `current()` is the running one.
 */
export function smtpStandInFor(group: Group) {
  let standIn: SmtpStandIn | undefined
  group.setup(async () => {
    standIn = await startSmtpStandIn({})
    const undoAllow = allowOutbound('127.0.0.1')
    return async () => {
      undoAllow()
      await standIn!.close()
    }
  })
  group.each.setup(() => standIn!.reset())
  return {
    current() {
      if (!standIn) throw new Error('the SMTP stand-in starts with the group')
      return standIn
    },
  }
}
