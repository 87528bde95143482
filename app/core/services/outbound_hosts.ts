import { promises as dns } from 'node:dns'
import { isIP } from 'node:net'
import ipaddr from 'ipaddr.js'
import outbound from '#config/outbound'
import { type AllowList, isAllowListed, normalizeHost } from '#core/services/outbound_allow_list'

/**
 * The guard in front of every connection to a host an org configured (its
 * SMTP server, a provider's base URL, later webhooks): without it an org
 * admin could make Authentix probe its own network or read the cloud's
 * instance metadata (SSRF). Only public addresses pass, after DNS, unless
 * the platform allow-lists the host (OUTBOUND_ALLOWED_HOSTS).
 *
 * Callers connect to the `addresses` returned, not to the name again: a
 * second lookup could answer differently (DNS rebinding). TLS still names
 * the host (`servername`), so certificates are checked against it.
 */

/** The host's IP addresses, as strings. */
export type HostLookup = (hostname: string) => Promise<string[]>

export type OutboundCheckOptions = {
  /** Defaults to OUTBOUND_ALLOWED_HOSTS (config/outbound.ts). */
  allowed?: AllowList
  /** Defaults to the system resolver (what a connection would use). */
  lookup?: HostLookup
}

export type OutboundHostCheck =
  | {
      kind: 'allowed'
      /** Every address the host resolved to (an IP literal: itself), all checked. */
      addresses: string[]
      /** Passed because OUTBOUND_ALLOWED_HOSTS lists it, not because its addresses are public. */
      allowListed: boolean
    }
  | { kind: 'refused'; reason: string }

export type OutboundUrlCheck =
  | {
      kind: 'allowed'
      url: URL
      /** The URL's port, or the scheme's default (443, 80). */
      port: number
      addresses: string[]
      allowListed: boolean
    }
  | { kind: 'refused'; reason: string }

const ONLY_PUBLIC = 'Authentix connects only to public addresses'
/** Not even for an allow-listed host: no integration has a reason to read instance metadata. */
const NEVER_METADATA = 'Authentix never connects to cloud metadata services'

/** Instance metadata services by name (GCP, AWS), each resolving to a link-local address. */
const METADATA_NAMES = new Set([
  'metadata',
  'metadata.google.internal',
  'metadata.goog',
  'instance-data',
  'instance-data.ec2.internal',
])
/** AWS, GCP and Azure (169.254.169.254), AWS over IPv6, Alibaba Cloud. */
const METADATA_ADDRESSES = new Set(['169.254.169.254', 'fd00:ec2::254', '100.100.100.200'])

/** What each special range is, in words an org admin can act on. */
const RANGE_WORDS: Record<string, string> = {
  unspecified: 'the unspecified address, which reaches this machine',
  loopback: 'a loopback address (this machine)',
  private: 'a private network address',
  uniqueLocal: 'a private network address (IPv6 unique local)',
  linkLocal: 'a link-local address',
  carrierGradeNat: 'a carrier-grade NAT address',
  multicast: 'a multicast address',
  broadcast: 'the broadcast address',
  reserved: 'a reserved or documentation address',
  benchmarking: 'a benchmarking address',
  deprecatedSiteLocal: 'a site-local address',
  discard: 'a discard-only address',
  teredo: 'a Teredo tunnel address',
}

/** The well-known NAT64 prefix: DNS64 maps every IPv4-only host into it. */
const NAT64 = ipaddr.IPv6.parseCIDR('64:ff9b::/96')
/** Where the internet's IPv6 addresses are allocated; the rest is special or unassigned. */
const GLOBAL_UNICAST = ipaddr.IPv6.parseCIDR('2000::/3')

type Judgement = { public: true } | { public: false; metadata: boolean; what: string }

const PUBLIC: Judgement = { public: true }

/**
 * Whether Authentix may connect to this address. Only ipaddr's `unicast`
 * passes; an IPv4 address written in IPv6 form (mapped, translated, NAT64)
 * is judged by the IPv4 inside, so ::ffff:127.0.0.1 is loopback.
 */
function judge(address: ipaddr.IPv4 | ipaddr.IPv6): Judgement {
  if (METADATA_ADDRESSES.has(address.toString())) {
    return { public: false, metadata: true, what: 'a cloud metadata address' }
  }
  const range: string = address.range()
  if (address.kind() === 'ipv4') {
    return range === 'unicast' ? PUBLIC : special(range)
  }

  const v6 = address as ipaddr.IPv6
  const embedded = embeddedIPv4(v6, range)
  if (embedded !== null) {
    const inner = judge(embedded.address)
    if (inner.public) return PUBLIC
    return { ...inner, what: `${embedded.form} of ${embedded.address}, ${inner.what}` }
  }
  if (range === '6to4') {
    // Its relays are gone (RFC 7526); the IPv4 named only says where it would go.
    const bytes = v6.toByteArray()
    return special(range, `a 6to4 tunnel address (for ${new ipaddr.IPv4(bytes.slice(2, 6))})`)
  }
  if (range !== 'unicast') return special(range)
  if (!v6.match(GLOBAL_UNICAST)) {
    // Includes the deprecated IPv4-compatible ::a.b.c.d, which ipaddr calls unicast.
    return special(range, 'an IPv6 address outside the global unicast range')
  }
  return PUBLIC
}

function special(range: string, what?: string): Judgement {
  return {
    public: false,
    metadata: false,
    what: what ?? RANGE_WORDS[range] ?? `a special-purpose address (${range})`,
  }
}

/** The IPv4 address an IPv6 one stands for, when it is an IPv4 address in IPv6 clothing. */
function embeddedIPv4(
  address: ipaddr.IPv6,
  range: string
): { address: ipaddr.IPv4; form: string } | null {
  const form =
    range === 'ipv4Mapped'
      ? 'the IPv6 form'
      : range === 'rfc6145'
        ? 'the IPv4-translated form'
        : range === 'rfc6052' && address.match(NAT64)
          ? 'the NAT64 form'
          : null
  if (form === null) return null
  return { address: new ipaddr.IPv4(address.toByteArray().slice(12, 16)), form }
}

async function systemLookup(hostname: string): Promise<string[]> {
  const results = await dns.lookup(hostname, { all: true, verbatim: true })
  return results.map((result) => result.address)
}

function lookupProblem(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | null)?.code
  switch (code) {
    case 'ENOTFOUND':
      return 'no such host'
    case 'ENODATA':
      return 'it has no addresses'
    case 'EAI_AGAIN':
    case 'ETIMEOUT':
      return 'the DNS lookup failed for now, try again later'
    default:
      return code ?? (error instanceof Error ? error.message : String(error))
  }
}

function refused(reason: string): { kind: 'refused'; reason: string } {
  return { kind: 'refused', reason }
}

function refusal(judgement: Judgement & { public: false }): string {
  return `${judgement.what}: ${judgement.metadata ? NEVER_METADATA : ONLY_PUBLIC}`
}

/**
 * May Authentix connect to `host` on `port`? IP literals are judged as
 * written; names are resolved and every address must be public (one private
 * address among public ones is enough to refuse: the connection could take
 * it). An allow-listed host passes whatever its addresses, except a cloud
 * metadata one.
 */
export async function checkOutboundHost(
  host: string,
  port: number,
  options: OutboundCheckOptions = {}
): Promise<OutboundHostCheck> {
  const shown = host.trim()
  if (shown === '') return refused('no host was given')
  const normalized = normalizeHost(shown)
  if (normalized === null) return refused(`"${shown}" is not a valid host name or IP address`)
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    return refused(`port ${port} of ${shown} is not a TCP port (1 to 65535)`)
  }
  const allowListed = isAllowListed(options.allowed ?? outbound.allowedHosts, normalized, port)

  if (normalized.kind === 'ip') {
    const judgement = judge(ipaddr.parse(normalized.address))
    if (!judgement.public && (judgement.metadata || !allowListed)) {
      // An unusual spelling (0x7f.1) is shown with the address it means.
      const subject =
        isIP(shown.replace(/^\[|\]$/g, '')) !== 0
          ? `${shown} is`
          : `${shown} is ${normalized.address},`
      return refused(`${subject} ${refusal(judgement)}`)
    }
    return { kind: 'allowed', addresses: [normalized.address], allowListed }
  }

  if (METADATA_NAMES.has(normalized.name)) {
    return refused(`${shown} is a cloud metadata host: ${NEVER_METADATA}`)
  }

  let addresses: string[]
  try {
    addresses = [...new Set(await (options.lookup ?? systemLookup)(normalized.name))]
  } catch (error) {
    return refused(`could not resolve ${shown}: ${lookupProblem(error)}`)
  }
  if (addresses.length === 0) return refused(`could not resolve ${shown}: it has no addresses`)

  for (const address of addresses) {
    // A zone is where the resolver found a link-local address, not part of it.
    const ip = isIP(address) === 0 ? null : normalizeHost(address.replace(/%.*$/, ''))
    if (ip?.kind !== 'ip') {
      return refused(`could not resolve ${shown}: "${address}" is not an IP address`)
    }
    const judgement = judge(ipaddr.parse(ip.address))
    if (!judgement.public && (judgement.metadata || !allowListed)) {
      return refused(`${shown} resolves to ${address}, ${refusal(judgement)}`)
    }
  }
  return { kind: 'allowed', addresses, allowListed }
}

/**
 * The same guard for an HTTP provider's base URL (or, later, a webhook's):
 * https only, plain http only to an allow-listed host (the local stand-ins
 * speak http), no credentials in the URL (they belong in their own, secret,
 * fields), then the host check on the URL's port or the scheme's default.
 * `label` names the field in the reasons ("the base URL must start with https://").
 */
export async function checkOutboundUrl(
  url: string,
  options: OutboundCheckOptions & { label?: string } = {}
): Promise<OutboundUrlCheck> {
  const label = options.label ?? 'the base URL'
  let parsed: URL
  try {
    parsed = new URL(url.trim())
  } catch {
    return refused(`${label} is not a valid URL: write it in full, e.g. https://api.example.com`)
  }

  const secure = parsed.protocol === 'https:'
  if (!secure && parsed.protocol !== 'http:') return refused(`${label} must start with https://`)
  if (parsed.username !== '' || parsed.password !== '') {
    return refused(`${label} must not contain a user name or password`)
  }
  const port = parsed.port === '' ? (secure ? 443 : 80) : Number(parsed.port)

  if (!secure) {
    const host = normalizeHost(parsed.hostname)
    const allowed = options.allowed ?? outbound.allowedHosts
    if (host === null || !isAllowListed(allowed, host, port)) {
      return refused(`${label} must start with https://`)
    }
  }

  const check = await checkOutboundHost(parsed.hostname, port, options)
  if (check.kind === 'refused') return check
  return {
    kind: 'allowed',
    url: parsed,
    port,
    addresses: check.addresses,
    allowListed: check.allowListed,
  }
}
