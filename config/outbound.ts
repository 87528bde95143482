import env from '#start/env'
import { parseOutboundAllowList } from '#core/services/outbound_allow_list'

/**
 * Connections Authentix opens to hosts an org configured (its SMTP server,
 * a provider's base URL, later webhooks). They go only to public addresses
 * (#core/services/outbound_hosts), except to the hosts listed here.
 */
const outbound = {
  /**
   * OUTBOUND_ALLOWED_HOSTS: `host` (any port), `host:port` or `[ipv6]:port`,
   * comma-separated, that may be reached even on a loopback or private
   * address: the local stand-ins in dev and tests, an acceptance test's own
   * SMTP and WhatsApp servers. Parsed here so a malformed entry stops the boot.
   */
  allowedHosts: parseOutboundAllowList(env.get('OUTBOUND_ALLOWED_HOSTS')),
}

export default outbound
