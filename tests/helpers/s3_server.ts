import { createHash, createHmac, timingSafeEqual } from 'node:crypto'
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

/**
 * A stand-in S3 for tests that speaks the real protocol: path-style object
 * PUT, GET, HEAD and DELETE, authenticated with AWS Signature Version 4 in
 * the Authorization header or in a presigned URL's query string, checked
 * exactly as S3 does (canonical request, string to sign, derived key), with
 * expiry of presigned URLs and S3's XML error bodies. Objects live in memory.
 */

export interface StoredObject {
  body: Buffer
  contentType: string
  etag: string
}

export interface S3StandIn {
  url: string
  bucket: string
  region: string
  accessKeyId: string
  secretAccessKey: string
  objects: Map<string, StoredObject>
  /** Every request seen: method, key, how it was authenticated. */
  log: Array<{ method: string; key: string; auth: 'header' | 'query' | 'none'; status: number }>
  close(): Promise<void>
}

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex')
const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data).digest()

/** RFC 3986 encoding as SigV4 wants it (unreserved characters kept). */
function encode(value: string) {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`
  )
}

function canonicalQuery(query: string, exclude: string[]) {
  if (!query) return ''
  return query
    .split('&')
    .filter(Boolean)
    .map((pair) => {
      const [rawKey, rawValue = ''] = pair.split('=')
      return [
        decodeURIComponent(rawKey.replace(/\+/g, '%20')),
        decodeURIComponent(rawValue.replace(/\+/g, '%20')),
      ]
    })
    .filter(([key]) => !exclude.includes(key))
    .map(([key, value]) => [encode(key), encode(value)])
    .sort((a, b) => (a[0] === b[0] ? (a[1] < b[1] ? -1 : 1) : a[0] < b[0] ? -1 : 1))
    .map(([key, value]) => `${key}=${value}`)
    .join('&')
}

function signingKey(secret: string, date: string, region: string) {
  return hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), 's3'), 'aws4_request')
}

function xmlError(response: ServerResponse, status: number, code: string, message: string) {
  response.writeHead(status, { 'Content-Type': 'application/xml' })
  response.end(
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`
  )
}

export async function startS3StandIn(
  options: { bucket?: string; region?: string; accessKeyId?: string; secretAccessKey?: string } = {}
): Promise<S3StandIn> {
  const bucket = options.bucket ?? 'authentix-test'
  const region = options.region ?? 'ap-south-1'
  const accessKeyId = options.accessKeyId ?? 'AKIAAUTHENTIXTEST01'
  const secretAccessKey = options.secretAccessKey ?? 'standin-secret-key-0123456789abcdefghij'
  const objects = new Map<string, StoredObject>()
  const log: S3StandIn['log'] = []

  /** Verifies the request's signature; returns an error code or null. */
  function verify(
    request: IncomingMessage,
    path: string,
    query: string,
    body: Buffer
  ): { error: string | null; auth: 'header' | 'query' | 'none' } {
    const params = new URLSearchParams(query)
    const headerAuth = request.headers.authorization
    let credential: string
    let signedHeaders: string
    let signature: string
    let amzDate: string
    let payloadHash: string
    let auth: 'header' | 'query'
    if (headerAuth) {
      auth = 'header'
      const match =
        /^AWS4-HMAC-SHA256 Credential=([^,]+), ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(
          headerAuth
        )
      if (!match) return { error: 'AuthorizationHeaderMalformed', auth }
      ;[, credential, signedHeaders, signature] = match
      amzDate = String(request.headers['x-amz-date'] ?? '')
      payloadHash = String(request.headers['x-amz-content-sha256'] ?? '')
      if (payloadHash !== 'UNSIGNED-PAYLOAD' && payloadHash !== sha256(body))
        return { error: 'XAmzContentSHA256Mismatch', auth }
    } else if (params.get('X-Amz-Algorithm') === 'AWS4-HMAC-SHA256') {
      auth = 'query'
      credential = params.get('X-Amz-Credential') ?? ''
      signedHeaders = params.get('X-Amz-SignedHeaders') ?? ''
      signature = params.get('X-Amz-Signature') ?? ''
      amzDate = params.get('X-Amz-Date') ?? ''
      payloadHash = 'UNSIGNED-PAYLOAD'
      const expires = Number(params.get('X-Amz-Expires'))
      const issued = Date.UTC(
        +amzDate.slice(0, 4),
        +amzDate.slice(4, 6) - 1,
        +amzDate.slice(6, 8),
        +amzDate.slice(9, 11),
        +amzDate.slice(11, 13),
        +amzDate.slice(13, 15)
      )
      if (!Number.isFinite(expires) || expires < 1 || expires > 604800)
        return { error: 'AuthorizationQueryParametersError', auth }
      if (Date.now() > issued + expires * 1000) return { error: 'AccessDenied', auth }
    } else {
      return { error: 'AccessDenied', auth: 'none' }
    }
    const [keyId, date, credRegion, service, terminator] = credential.split('/')
    if (keyId !== accessKeyId) return { error: 'InvalidAccessKeyId', auth }
    if (credRegion !== region || service !== 's3' || terminator !== 'aws4_request')
      return { error: 'AuthorizationHeaderMalformed', auth }
    const headerLines = signedHeaders.split(';').map((name) => {
      const raw = name === 'host' ? request.headers.host : request.headers[name]
      const value = Array.isArray(raw) ? raw.join(',') : String(raw ?? '')
      return `${name}:${value.trim().replace(/\s+/g, ' ')}\n`
    })
    const canonical = [
      request.method,
      path,
      canonicalQuery(query, auth === 'query' ? ['X-Amz-Signature'] : []),
      headerLines.join(''),
      signedHeaders,
      payloadHash,
    ].join('\n')
    const scope = `${date}/${region}/s3/aws4_request`
    const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonical)].join('\n')
    const expected = createHmac('sha256', signingKey(secretAccessKey, date, region))
      .update(toSign)
      .digest('hex')
    const ok =
      expected.length === signature.length &&
      timingSafeEqual(Buffer.from(expected), Buffer.from(signature))
    return { error: ok ? null : 'SignatureDoesNotMatch', auth }
  }

  const server: Server = createServer(async (request, response) => {
    const chunks: Buffer[] = []
    for await (const chunk of request) chunks.push(chunk as Buffer)
    const body = Buffer.concat(chunks)
    const [path, query = ''] = (request.url ?? '/').split('?')
    const prefix = `/${bucket}/`
    const key = path.startsWith(prefix) ? decodeURIComponent(path.slice(prefix.length)) : ''
    const finish = (status: number, auth: 'header' | 'query' | 'none') =>
      log.push({ method: request.method ?? '', key, auth, status })

    const { error, auth } = verify(request, path, query, body)
    if (error) {
      finish(403, auth)
      if (request.method === 'HEAD') {
        response.writeHead(403)
        return response.end()
      }
      return xmlError(
        response,
        403,
        error,
        'The request signature we calculated does not match the signature you provided.'
      )
    }
    if (!key) {
      finish(404, auth)
      return xmlError(
        response,
        404,
        'NoSuchBucket',
        'Only path-style object requests are supported.'
      )
    }
    const params = new URLSearchParams(query)
    switch (request.method) {
      case 'PUT': {
        const etag = `"${createHash('md5').update(body).digest('hex')}"`
        objects.set(key, {
          body,
          contentType: String(request.headers['content-type'] ?? 'application/octet-stream'),
          etag,
        })
        finish(200, auth)
        response.writeHead(200, { ETag: etag })
        return response.end()
      }
      case 'GET':
      case 'HEAD': {
        const object = objects.get(key)
        if (!object) {
          finish(404, auth)
          if (request.method === 'HEAD') {
            response.writeHead(404)
            return response.end()
          }
          return xmlError(response, 404, 'NoSuchKey', 'The specified key does not exist.')
        }
        finish(200, auth)
        const headers: Record<string, string> = {
          'Content-Type': params.get('response-content-type') ?? object.contentType,
          'Content-Length': String(object.body.length),
          'ETag': object.etag,
          'Last-Modified': new Date().toUTCString(),
        }
        const disposition = params.get('response-content-disposition')
        if (disposition) headers['Content-Disposition'] = disposition
        response.writeHead(200, headers)
        return response.end(request.method === 'HEAD' ? undefined : object.body)
      }
      case 'DELETE':
        objects.delete(key)
        finish(204, auth)
        response.writeHead(204)
        return response.end()
      default:
        finish(405, auth)
        return xmlError(
          response,
          405,
          'MethodNotAllowed',
          'The specified method is not allowed against this resource.'
        )
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    bucket,
    region,
    accessKeyId,
    secretAccessKey,
    objects,
    log,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}
