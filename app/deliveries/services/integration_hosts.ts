import { checkOutboundHost, checkOutboundUrl } from '#core/services/outbound_hosts'
import { outboundTargetOf, type Provider } from '#deliveries/services/providers'

export type TargetCheck =
  { kind: 'allowed'; addresses: string[] } | { kind: 'refused'; field: string; reason: string }

/**
 * The SSRF check of the host or URL an integration connects to (the SMTP
 * host, a provider's base URL, the Graph API base URL), at save and again
 * before each send. Our own default URLs are not checked: a test run
 * without DNS must still save an integration that uses them.
 */
export async function checkIntegrationTarget(
  provider: Provider,
  settings: Record<string, unknown>
): Promise<TargetCheck> {
  const target = outboundTargetOf(provider, settings)
  if (target === null) return { kind: 'allowed', addresses: [] }
  const field = `settings.${target.field}`
  if ('host' in target) {
    const check = await checkOutboundHost(target.host, target.port)
    if (check.kind === 'refused') return { kind: 'refused', field, reason: sentence(check.reason) }
    return { kind: 'allowed', addresses: check.addresses }
  }
  const label = target.field === 'api_base_url' ? 'the Graph API base URL' : 'the base URL'
  const check = await checkOutboundUrl(target.url, { label })
  if (check.kind === 'refused') return { kind: 'refused', field, reason: sentence(check.reason) }
  return { kind: 'allowed', addresses: check.addresses }
}

/** The check's reason as a sentence of its own. */
function sentence(reason: string) {
  const text = reason.charAt(0).toUpperCase() + reason.slice(1)
  return /[.!?]$/.test(text) ? text : `${text}.`
}
