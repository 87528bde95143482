import { test } from '@japa/runner'
import { checkOutboundHost, checkOutboundUrl } from '#core/services/outbound_hosts'
import { parseOutboundAllowList } from '#core/services/outbound_allow_list'

const ONLY_PUBLIC = 'Authentix connects only to public addresses'
const NEVER_METADATA = 'Authentix never connects to cloud metadata services'

/** A resolver that knows only the names it is given (the machine has no internet), and counts its calls. */
function resolver(answers: Record<string, string[]> = {}) {
  const asked: string[] = []
  return {
    asked,
    lookup: async (hostname: string) => {
      asked.push(hostname)
      const addresses = answers[hostname]
      if (addresses === undefined) {
        throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' })
      }
      return addresses
    },
  }
}

/** The reason a check refused, or a failure naming what it let through. */
function reasonOf(
  check: { kind: 'allowed'; addresses: string[] } | { kind: 'refused'; reason: string }
) {
  if (check.kind === 'allowed')
    throw new Error(`expected a refusal, got ${check.addresses.join(', ')}`)
  return check.reason
}

/** Whether a check allowed or refused, for tests that need no more. */
async function kindOf(check: Promise<{ kind: 'allowed' | 'refused' }>) {
  const { kind } = await check
  return kind
}

const none = parseOutboundAllowList(undefined)

test.group('Outbound hosts | IP addresses', () => {
  test('a public IP address is allowed as written, without a DNS lookup', async ({ assert }) => {
    const dns = resolver()
    assert.deepEqual(
      await checkOutboundHost('93.184.216.34', 587, { allowed: none, lookup: dns.lookup }),
      { kind: 'allowed', addresses: ['93.184.216.34'], allowListed: false }
    )
    assert.deepEqual(
      await checkOutboundHost('2606:4700:4700::1111', 443, { allowed: none, lookup: dns.lookup }),
      { kind: 'allowed', addresses: ['2606:4700:4700::1111'], allowListed: false }
    )
    assert.deepEqual(dns.asked, [])
  })

  test('loopback, private, link-local and other non-public addresses are refused, saying what they are', async ({
    assert,
  }) => {
    const cases: [string, string][] = [
      ['127.0.0.1', 'a loopback address (this machine)'],
      ['127.8.9.10', 'a loopback address (this machine)'],
      ['::1', 'a loopback address (this machine)'],
      ['0.0.0.0', 'the unspecified address, which reaches this machine'],
      ['::', 'the unspecified address, which reaches this machine'],
      ['10.1.2.3', 'a private network address'],
      ['172.16.5.4', 'a private network address'],
      ['172.31.255.254', 'a private network address'],
      ['192.168.1.1', 'a private network address'],
      ['100.64.0.1', 'a carrier-grade NAT address'],
      ['169.254.10.20', 'a link-local address'],
      ['fe80::1', 'a link-local address'],
      ['fc00::1', 'a private network address (IPv6 unique local)'],
      ['fd12:3456::1', 'a private network address (IPv6 unique local)'],
      ['224.0.0.1', 'a multicast address'],
      ['ff02::1', 'a multicast address'],
      ['255.255.255.255', 'the broadcast address'],
      ['192.0.2.10', 'a reserved or documentation address'],
      ['2001:db8::1', 'a reserved or documentation address'],
    ]
    for (const [address, what] of cases) {
      const check = await checkOutboundHost(address, 25, { allowed: none })
      assert.equal(reasonOf(check), `${address} is ${what}: ${ONLY_PUBLIC}`)
    }
  })

  test('the addresses just outside the private ranges are public', async ({ assert }) => {
    for (const address of [
      '172.32.0.1',
      '172.15.255.255',
      '100.128.0.1',
      '11.0.0.1',
      '192.169.0.1',
    ]) {
      const check = await checkOutboundHost(address, 25, { allowed: none })
      assert.equal(check.kind, 'allowed', address)
    }
  })

  test('cloud metadata addresses are refused by name', async ({ assert }) => {
    assert.equal(
      reasonOf(await checkOutboundHost('169.254.169.254', 80, { allowed: none })),
      `169.254.169.254 is a cloud metadata address: ${NEVER_METADATA}`
    )
    assert.equal(
      reasonOf(await checkOutboundHost('fd00:ec2::254', 80, { allowed: none })),
      `fd00:ec2::254 is a cloud metadata address: ${NEVER_METADATA}`
    )
  })

  test('an IPv4 address in IPv6 form is judged by the IPv4 address inside', async ({ assert }) => {
    assert.equal(
      reasonOf(await checkOutboundHost('::ffff:10.0.0.1', 25, { allowed: none })),
      `::ffff:10.0.0.1 is the IPv6 form of 10.0.0.1, a private network address: ${ONLY_PUBLIC}`
    )
    assert.include(
      reasonOf(await checkOutboundHost('::ffff:127.0.0.1', 25, { allowed: none })),
      'the IPv6 form of 127.0.0.1, a loopback address'
    )
    assert.include(
      reasonOf(await checkOutboundHost('::ffff:169.254.169.254', 80, { allowed: none })),
      `the IPv6 form of 169.254.169.254, a cloud metadata address: ${NEVER_METADATA}`
    )
    assert.include(
      reasonOf(await checkOutboundHost('::ffff:0:192.168.0.1', 25, { allowed: none })),
      'the IPv4-translated form of 192.168.0.1, a private network address'
    )
    const mappedPublic = await checkOutboundHost('::ffff:93.184.216.34', 25, { allowed: none })
    assert.equal(mappedPublic.kind, 'allowed')
  })

  test('NAT64 addresses are judged by the IPv4 address inside, so DNS64 networks still reach public hosts', async ({
    assert,
  }) => {
    assert.include(
      reasonOf(await checkOutboundHost('64:ff9b::10.0.0.1', 25, { allowed: none })),
      'the NAT64 form of 10.0.0.1, a private network address'
    )
    const publicHost = await checkOutboundHost('64:ff9b::93.184.216.34', 25, { allowed: none })
    assert.equal(publicHost.kind, 'allowed')
  })

  test('tunnel and IPv4-compatible IPv6 addresses are refused', async ({ assert }) => {
    assert.include(
      reasonOf(await checkOutboundHost('2002:7f00:1::', 25, { allowed: none })),
      'a 6to4 tunnel address (for 127.0.0.1)'
    )
    assert.include(
      reasonOf(
        await checkOutboundHost('2001:0:4136:e378:8000:63bf:3fff:fdd2', 25, { allowed: none })
      ),
      'a Teredo tunnel address'
    )
    assert.include(
      reasonOf(await checkOutboundHost('::127.0.0.1', 25, { allowed: none })),
      'an IPv6 address outside the global unicast range'
    )
  })

  test('an IP address in an unusual spelling is judged as the address it means', async ({
    assert,
  }) => {
    const dns = resolver()
    for (const spelling of ['0x7f.1', '2130706433', '127.1', '0177.0.0.1']) {
      const check = await checkOutboundHost(spelling, 25, { allowed: none, lookup: dns.lookup })
      assert.equal(
        reasonOf(check),
        `${spelling} is 127.0.0.1, a loopback address (this machine): ${ONLY_PUBLIC}`
      )
    }
    assert.deepEqual(dns.asked, [])
  })

  test('an IPv6 address in brackets, as a URL writes it, is checked like the bare one', async ({
    assert,
  }) => {
    assert.equal(
      reasonOf(await checkOutboundHost('[::1]', 2525, { allowed: none })),
      `[::1] is a loopback address (this machine): ${ONLY_PUBLIC}`
    )
  })
})

test.group('Outbound hosts | names', () => {
  test('localhost is refused: it resolves to this machine', async ({ assert }) => {
    const reason = reasonOf(await checkOutboundHost('localhost', 2525, { allowed: none }))
    assert.match(reason, /^localhost resolves to (127\.0\.0\.1|::1), a loopback address/)
    assert.include(reason, ONLY_PUBLIC)
  })

  test('a name resolving to a private address is refused, naming the name and the address', async ({
    assert,
  }) => {
    const dns = resolver({ 'smtp.example.test': ['10.0.0.5'] })
    assert.equal(
      reasonOf(
        await checkOutboundHost('smtp.example.test', 587, { allowed: none, lookup: dns.lookup })
      ),
      `smtp.example.test resolves to 10.0.0.5, a private network address: ${ONLY_PUBLIC}`
    )
  })

  test('one loopback address among public ones is enough to refuse', async ({ assert }) => {
    const dns = resolver({ 'mixed.example.test': ['93.184.216.34', '127.0.0.1'] })
    assert.equal(
      reasonOf(
        await checkOutboundHost('mixed.example.test', 25, { allowed: none, lookup: dns.lookup })
      ),
      `mixed.example.test resolves to 127.0.0.1, a loopback address (this machine): ${ONLY_PUBLIC}`
    )
  })

  test('a name resolving to the metadata address is refused', async ({ assert }) => {
    const dns = resolver({ 'rebind.example.test': ['169.254.169.254'] })
    assert.equal(
      reasonOf(
        await checkOutboundHost('rebind.example.test', 80, { allowed: none, lookup: dns.lookup })
      ),
      `rebind.example.test resolves to 169.254.169.254, a cloud metadata address: ${NEVER_METADATA}`
    )
  })

  test('a link-local address the resolver gives with its interface zone is still link-local', async ({
    assert,
  }) => {
    const dns = resolver({ 'printer.example.test': ['fe80::1%eth0'] })
    assert.equal(
      reasonOf(
        await checkOutboundHost('printer.example.test', 25, { allowed: none, lookup: dns.lookup })
      ),
      `printer.example.test resolves to fe80::1%eth0, a link-local address: ${ONLY_PUBLIC}`
    )
    assert.equal(
      reasonOf(await checkOutboundHost('fe80::1%eth0', 25, { allowed: none })),
      '"fe80::1%eth0" is not a valid host name or IP address'
    )
  })

  test('a name with only public addresses is allowed, with each address once, in the resolver order', async ({
    assert,
  }) => {
    const dns = resolver({
      'smtp.example.test': ['2606:2800:220:1::1', '93.184.216.34', '93.184.216.34'],
    })
    assert.deepEqual(
      await checkOutboundHost('smtp.example.test', 587, { allowed: none, lookup: dns.lookup }),
      { kind: 'allowed', addresses: ['2606:2800:220:1::1', '93.184.216.34'], allowListed: false }
    )
  })

  test('the name is looked up lower-case, without its trailing dot, and IDN as punycode', async ({
    assert,
  }) => {
    const dns = resolver({
      'smtp.example.test': ['93.184.216.34'],
      'mail.xn--bcher-kva.test': ['93.184.216.35'],
    })
    assert.equal(
      await kindOf(
        checkOutboundHost(' SMTP.Example.TEST. ', 25, { allowed: none, lookup: dns.lookup })
      ),
      'allowed'
    )
    assert.equal(
      await kindOf(
        checkOutboundHost('mail.bücher.test', 25, { allowed: none, lookup: dns.lookup })
      ),
      'allowed'
    )
    assert.deepEqual(dns.asked, ['smtp.example.test', 'mail.xn--bcher-kva.test'])
  })

  test('a name that does not resolve is refused with the resolver problem', async ({ assert }) => {
    const dns = resolver()
    assert.equal(
      reasonOf(
        await checkOutboundHost('mail.nowhere.test', 25, { allowed: none, lookup: dns.lookup })
      ),
      'could not resolve mail.nowhere.test: no such host'
    )
    const temporary = async () => {
      throw Object.assign(new Error('getaddrinfo EAI_AGAIN'), { code: 'EAI_AGAIN' })
    }
    assert.equal(
      reasonOf(await checkOutboundHost('mail.slow.test', 25, { allowed: none, lookup: temporary })),
      'could not resolve mail.slow.test: the DNS lookup failed for now, try again later'
    )
    const empty = resolver({ 'mail.empty.test': [] })
    assert.equal(
      reasonOf(
        await checkOutboundHost('mail.empty.test', 25, { allowed: none, lookup: empty.lookup })
      ),
      'could not resolve mail.empty.test: it has no addresses'
    )
  })

  test('cloud metadata host names are refused without a lookup, even when allow-listed', async ({
    assert,
  }) => {
    const dns = resolver({ 'metadata.google.internal': ['169.254.169.254'] })
    const allowed = parseOutboundAllowList('metadata.google.internal,metadata')
    for (const name of ['metadata.google.internal', 'Metadata.Google.Internal.', 'metadata']) {
      assert.include(
        reasonOf(await checkOutboundHost(name, 80, { allowed, lookup: dns.lookup })),
        `is a cloud metadata host: ${NEVER_METADATA}`
      )
    }
    assert.deepEqual(dns.asked, [])
  })

  test('something that is no host name is refused before any lookup', async ({ assert }) => {
    const dns = resolver()
    for (const host of [
      'smtp example.test',
      'smtp.example.test/path',
      'user@smtp.example.test',
      '*.test',
      '-smtp.test',
      'a..b',
    ]) {
      assert.equal(
        reasonOf(await checkOutboundHost(host, 25, { allowed: none, lookup: dns.lookup })),
        `"${host}" is not a valid host name or IP address`
      )
    }
    assert.equal(
      reasonOf(await checkOutboundHost('  ', 25, { allowed: none })),
      'no host was given'
    )
    assert.deepEqual(dns.asked, [])
  })

  test('a port outside 1 to 65535 is refused', async ({ assert }) => {
    for (const port of [0, 65536, 25.5, -1]) {
      assert.equal(
        reasonOf(await checkOutboundHost('93.184.216.34', port, { allowed: none })),
        `port ${port} of 93.184.216.34 is not a TCP port (1 to 65535)`
      )
    }
  })
})

test.group('Outbound hosts | the allow-list', () => {
  test('a host listed without a port may be reached on any port, whatever its address', async ({
    assert,
  }) => {
    const allowed = parseOutboundAllowList('127.0.0.1')
    for (const port of [25, 2525, 4010]) {
      assert.deepEqual(await checkOutboundHost('127.0.0.1', port, { allowed }), {
        kind: 'allowed',
        addresses: ['127.0.0.1'],
        allowListed: true,
      })
    }
  })

  test('a host listed with a port may be reached on that port only', async ({ assert }) => {
    const allowed = parseOutboundAllowList('localhost:2525')
    const dns = resolver({ localhost: ['127.0.0.1', '::1'] })
    assert.deepEqual(await checkOutboundHost('localhost', 2525, { allowed, lookup: dns.lookup }), {
      kind: 'allowed',
      addresses: ['127.0.0.1', '::1'],
      allowListed: true,
    })
    assert.equal(
      reasonOf(await checkOutboundHost('localhost', 2526, { allowed, lookup: dns.lookup })),
      `localhost resolves to 127.0.0.1, a loopback address (this machine): ${ONLY_PUBLIC}`
    )
  })

  test('an allow-listed name is still resolved, and one that does not resolve is refused', async ({
    assert,
  }) => {
    const allowed = parseOutboundAllowList('smtp.local,gone.local')
    const dns = resolver({ 'smtp.local': ['10.0.0.5'] })
    assert.deepEqual(await checkOutboundHost('smtp.local', 587, { allowed, lookup: dns.lookup }), {
      kind: 'allowed',
      addresses: ['10.0.0.5'],
      allowListed: true,
    })
    assert.equal(
      reasonOf(await checkOutboundHost('gone.local', 587, { allowed, lookup: dns.lookup })),
      'could not resolve gone.local: no such host'
    )
  })

  test('an allow-listed name resolving to the metadata address is still refused', async ({
    assert,
  }) => {
    const allowed = parseOutboundAllowList('smtp.local')
    const dns = resolver({ 'smtp.local': ['10.0.0.5', '169.254.169.254'] })
    assert.equal(
      reasonOf(await checkOutboundHost('smtp.local', 587, { allowed, lookup: dns.lookup })),
      `smtp.local resolves to 169.254.169.254, a cloud metadata address: ${NEVER_METADATA}`
    )
  })

  test('an IPv6 entry in brackets allows that address on its port, however the address is written', async ({
    assert,
  }) => {
    const allowed = parseOutboundAllowList('[::1]:2525')
    for (const host of ['::1', '[::1]', '0:0:0:0:0:0:0:1']) {
      assert.equal(await kindOf(checkOutboundHost(host, 2525, { allowed })), 'allowed', host)
    }
    assert.equal(await kindOf(checkOutboundHost('::1', 2526, { allowed })), 'refused')
  })

  test('the entry matches the host however either is spelled, but not another name for its address', async ({
    assert,
  }) => {
    const allowed = parseOutboundAllowList('SMTP.Local.:2525')
    const dns = resolver({ 'smtp.local': ['127.0.0.1'], 'other.local': ['127.0.0.1'] })
    assert.equal(
      await kindOf(checkOutboundHost('smtp.LOCAL', 2525, { allowed, lookup: dns.lookup })),
      'allowed'
    )
    assert.equal(
      await kindOf(checkOutboundHost('other.local', 2525, { allowed, lookup: dns.lookup })),
      'refused'
    )
    assert.equal(await kindOf(checkOutboundHost('127.0.0.1', 2525, { allowed })), 'refused')
  })

  test('a public host that is also listed says so', async ({ assert }) => {
    const allowed = parseOutboundAllowList('93.184.216.34')
    assert.deepEqual(await checkOutboundHost('93.184.216.34', 443, { allowed }), {
      kind: 'allowed',
      addresses: ['93.184.216.34'],
      allowListed: true,
    })
  })
})

test.group('Outbound hosts | provider URLs', () => {
  const dns = resolver({ 'api.example.test': ['93.184.216.34'], 'localhost': ['127.0.0.1'] })

  test('an https URL to a public host is allowed on port 443, or on the port it names', async ({
    assert,
  }) => {
    const check = await checkOutboundUrl('https://api.example.test/v1/', {
      allowed: none,
      lookup: dns.lookup,
    })
    assert.equal(check.kind, 'allowed')
    if (check.kind !== 'allowed') return
    assert.equal(check.port, 443)
    assert.equal(check.url.href, 'https://api.example.test/v1/')
    assert.deepEqual(check.addresses, ['93.184.216.34'])
    assert.isFalse(check.allowListed)

    const withPort = await checkOutboundUrl('https://api.example.test:8443', {
      allowed: none,
      lookup: dns.lookup,
    })
    assert.equal(withPort.kind === 'allowed' && withPort.port, 8443)
  })

  test('a plain http URL is refused unless its host and port are allow-listed', async ({
    assert,
  }) => {
    assert.equal(
      reasonOf(
        await checkOutboundUrl('http://api.example.test/v1', { allowed: none, lookup: dns.lookup })
      ),
      'the base URL must start with https://'
    )
    const allowed = parseOutboundAllowList('localhost:4010')
    const local = await checkOutboundUrl('http://localhost:4010/v1', {
      allowed,
      lookup: dns.lookup,
    })
    assert.deepEqual(local.kind === 'allowed' && [local.port, local.addresses, local.allowListed], [
      4010,
      ['127.0.0.1'],
      true,
    ])
    assert.equal(
      reasonOf(await checkOutboundUrl('http://localhost:4011/v1', { allowed, lookup: dns.lookup })),
      'the base URL must start with https://'
    )
    // Port 80 is what http means when no port is written.
    assert.equal(
      reasonOf(await checkOutboundUrl('http://localhost/v1', { allowed, lookup: dns.lookup })),
      'the base URL must start with https://'
    )
  })

  test('other schemes are refused', async ({ assert }) => {
    for (const url of [
      'ftp://api.example.test/',
      'file:///etc/passwd',
      'javascript:alert(1)',
      'gopher://api.example.test',
    ]) {
      assert.equal(
        reasonOf(await checkOutboundUrl(url, { allowed: none, lookup: dns.lookup })),
        'the base URL must start with https://'
      )
    }
  })

  test('a URL with a user name or password is refused', async ({ assert }) => {
    for (const url of ['https://key:secret@api.example.test/', 'https://key@api.example.test/']) {
      assert.equal(
        reasonOf(await checkOutboundUrl(url, { allowed: none, lookup: dns.lookup })),
        'the base URL must not contain a user name or password'
      )
    }
  })

  test('a malformed URL is refused', async ({ assert }) => {
    for (const url of ['api.example.test/v1', 'https://', 'https://exa mple.test', '']) {
      assert.equal(
        reasonOf(await checkOutboundUrl(url, { allowed: none, lookup: dns.lookup })),
        'the base URL is not a valid URL: write it in full, e.g. https://api.example.com'
      )
    }
  })

  test('an https URL to a private or loopback host is refused with the host reason', async ({
    assert,
  }) => {
    assert.equal(
      reasonOf(await checkOutboundUrl('https://10.0.0.1/', { allowed: none })),
      `10.0.0.1 is a private network address: ${ONLY_PUBLIC}`
    )
    assert.equal(
      reasonOf(await checkOutboundUrl('https://[::1]:8443/', { allowed: none })),
      `[::1] is a loopback address (this machine): ${ONLY_PUBLIC}`
    )
    assert.equal(
      reasonOf(
        await checkOutboundUrl('https://169.254.169.254/latest/meta-data/', { allowed: none })
      ),
      `169.254.169.254 is a cloud metadata address: ${NEVER_METADATA}`
    )
    // The URL parser reads 0x7f.1 as 127.0.0.1 before the check sees it.
    assert.equal(
      reasonOf(await checkOutboundUrl('https://0x7f.1/', { allowed: none })),
      `127.0.0.1 is a loopback address (this machine): ${ONLY_PUBLIC}`
    )
  })

  test('the reasons name the field they are about', async ({ assert }) => {
    assert.equal(
      reasonOf(
        await checkOutboundUrl('http://hooks.example.test', {
          allowed: none,
          label: 'the webhook URL',
        })
      ),
      'the webhook URL must start with https://'
    )
  })
})

test.group('OUTBOUND_ALLOWED_HOSTS', () => {
  test('unset or blank, it lists nothing', ({ assert }) => {
    assert.deepEqual(parseOutboundAllowList(undefined), [])
    assert.deepEqual(parseOutboundAllowList(''), [])
    assert.deepEqual(parseOutboundAllowList(' , '), [])
  })

  test('entries are hosts, host:port or [ipv6]:port, trimmed and written one way', ({ assert }) => {
    assert.deepEqual(
      parseOutboundAllowList(
        ' smtp.local:2525 , LocalHost., [::1]:2525,127.0.0.1:4010, [FD00::1], 127.1,'
      ),
      [
        { host: 'smtp.local', port: 2525 },
        { host: 'localhost', port: null },
        { host: '::1', port: 2525 },
        { host: '127.0.0.1', port: 4010 },
        { host: 'fd00::1', port: null },
        { host: '127.0.0.1', port: null },
      ]
    )
  })

  test('a malformed entry stops the boot, naming the variable and the entry', ({ assert }) => {
    const cases: [string, string][] = [
      ['smtp.local:0', 'has a port that is not a number from 1 to 65535'],
      ['smtp.local:70000', 'has a port that is not a number from 1 to 65535'],
      ['smtp.local:smtp', 'has a port that is not a number from 1 to 65535'],
      ['smtp.local:', 'has a port that is not a number from 1 to 65535'],
      ['::1:2525', 'looks like an IPv6 address: write it in brackets, e.g. [::1]:2525'],
      ['[::1', 'opens a bracket it does not close'],
      ['[::1]2525', 'has something other than :port after the IPv6 address'],
      ['[smtp.local]:25', 'is not a valid host name or IP address'],
      ['https://smtp.local', 'is a URL: give a host or host:port, e.g. smtp.local:2525'],
      ['smtp local', 'is not a valid host name or IP address'],
      ['*.example.test', 'is not a valid host name or IP address'],
    ]
    for (const [entry, problem] of cases) {
      assert.throws(
        () => parseOutboundAllowList(`localhost, ${entry}`),
        `OUTBOUND_ALLOWED_HOSTS: "${entry}" ${problem}`
      )
    }
  })
})
