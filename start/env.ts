/*
| Environment variables, validated at boot. A missing or malformed value stops
| the app with a message naming the variable.
*/
import { Env } from '@adonisjs/core/env'

export default await Env.create(new URL('../', import.meta.url), {
  NODE_ENV: Env.schema.enum(['development', 'production', 'test'] as const),
  PORT: Env.schema.number(),
  APP_KEY: Env.schema.string(),
  HOST: Env.schema.string({ format: 'host' }),
  APP_URL: Env.schema.string.optional(),
  TRUSTED_PROXIES: Env.schema.string.optional(),
  LOG_LEVEL: Env.schema.enum.optional([
    'fatal',
    'error',
    'warn',
    'info',
    'debug',
    'trace',
    'silent',
  ] as const),

  SESSION_DRIVER: Env.schema.enum.optional(['database'] as const),
  LIMITER_STORE: Env.schema.enum.optional(['database'] as const),
  VERIFY_HITS_PER_IP_PER_MINUTE: Env.schema.number.optional(),
  VERIFY_HITS_PER_CERTIFICATE_PER_MINUTE: Env.schema.number.optional(),
  VERIFY_MISSES_PER_IP_PER_MINUTE: Env.schema.number.optional(),
  VERIFY_UPLOADS_PER_IP_PER_MINUTE: Env.schema.number.optional(),
  VERIFICATION_CERTIFICATE_TTL_MS: Env.schema.number.optional(),
  VERIFICATION_CHANGES_POLL_MS: Env.schema.number.optional(),

  /*
  |----------------------------------------------------------
  | Sending certificates (config/deliveries.ts)
  |----------------------------------------------------------
  */
  DELIVERY_EMAIL_RATE: Env.schema.number.optional(),
  DELIVERY_SEND_TIMEOUT_MS: Env.schema.number.optional(),
  DELIVERY_MAX_ATTACHMENT_BYTES: Env.schema.number.optional(),
  BOUNCE_DOMAIN: Env.schema.string.optional(),
  BOUNCE_SMTP_PORT: Env.schema.number.optional(),
  BOUNCE_SMTP_HOST: Env.schema.string.optional(),
  BOUNCE_RECEIVER: Env.schema.enum.optional(['in-process', 'off'] as const),
  // The supplier printed on tax invoices, the SAC and the payment terms (config/billing.ts).
  BILLING_SUPPLIER_NAME: Env.schema.string.optional(),
  BILLING_SUPPLIER_ADDRESS: Env.schema.string.optional(),
  BILLING_SUPPLIER_GSTIN: Env.schema.string.optional(),
  BILLING_SUPPLIER_EMAIL: Env.schema.string.optional({ format: 'email' }),
  BILLING_SAC: Env.schema.string.optional(),
  BILLING_PAYMENT_TERMS_DAYS: Env.schema.number.optional(),
  BILLING_GRACE_DAYS: Env.schema.number.optional(),
  BILLING_RUN_BATCH: Env.schema.number.optional(),
  // Razorpay (config/razorpay.ts): without the key id and secret, payments are not configured.
  RAZORPAY_KEY_ID: Env.schema.string.optional(),
  RAZORPAY_KEY_SECRET: Env.schema.string.optional(),
  RAZORPAY_WEBHOOK_SECRET: Env.schema.string.optional(),
  RAZORPAY_BASE_URL: Env.schema.string.optional(),
  RAZORPAY_TIMEOUT_MS: Env.schema.number.optional(),
  // `razorpay` (default) or the stand-in's base URL for its fake Checkout (refused in production).
  RAZORPAY_CHECKOUT: Env.schema.string.optional(),
  RAZORPAY_WEBHOOK_WINDOW_SECONDS: Env.schema.number.optional(),
  RAZORPAY_RECONCILE_DAYS: Env.schema.number.optional(),
  VERIFICATION_CERTIFICATE_CACHE_SIZE: Env.schema.number.optional(),

  DB_CONNECTION: Env.schema.enum.optional(['sqlite', 'pg'] as const),
  SQLITE_PATH: Env.schema.string.optional(),
  DATABASE_URL: Env.schema.string.optional(),
  PG_HOST: Env.schema.string.optional(),
  PG_PORT: Env.schema.number.optional(),
  PG_USER: Env.schema.string.optional(),
  PG_PASSWORD: Env.schema.string.optional(),
  PG_DB_NAME: Env.schema.string.optional(),

  REDIS_HOST: Env.schema.string.optional(),
  REDIS_PORT: Env.schema.number.optional(),
  REDIS_PASSWORD: Env.schema.string.optional(),

  SMTP_HOST: Env.schema.string.optional(),
  SMTP_PORT: Env.schema.number.optional(),
  SMTP_USERNAME: Env.schema.string.optional(),
  SMTP_PASSWORD: Env.schema.string.optional(),
  SMTP_SECURE: Env.schema.boolean.optional(),
  MAIL_FROM_ADDRESS: Env.schema.string.optional(),
  MAIL_FROM_NAME: Env.schema.string.optional(),

  DRIVE_DISK: Env.schema.enum.optional(['fs', 's3'] as const),
  STORAGE_PATH: Env.schema.string.optional(),
  S3_BUCKET: Env.schema.string.optional(),
  S3_REGION: Env.schema.string.optional(),
  S3_ENDPOINT: Env.schema.string.optional(),
  S3_ACCESS_KEY_ID: Env.schema.string.optional(),
  S3_SECRET_ACCESS_KEY: Env.schema.string.optional(),
  S3_FORCE_PATH_STYLE: Env.schema.boolean.optional(),

  UPLOAD_MAX_BYTES: Env.schema.number.optional(),
  FILE_PROCESSING_TIMEOUT_MS: Env.schema.number.optional(),
  FILE_PROCESSING_MAX_HEAP_MB: Env.schema.number.optional(),
  FILE_PROCESSING_MAX_RSS_MB: Env.schema.number.optional(),
  FILE_PROCESSING_CONCURRENCY: Env.schema.number.optional(),
  UPLOAD_THROTTLE_PER_MINUTE: Env.schema.number.optional(),
  IMPORT_MAX_BYTES: Env.schema.number.optional(),
  IMPORT_MAX_ROWS: Env.schema.number.optional(),
  IMPORT_MAX_COLUMNS: Env.schema.number.optional(),
  IMPORT_MAX_UNPACKED_BYTES: Env.schema.number.optional(),
  IMPORT_PROCESSING_TIMEOUT_MS: Env.schema.number.optional(),
  IMPORT_MAX_HEAP_MB: Env.schema.number.optional(),

  GENERATION_THREADS: Env.schema.number.optional(),
  GENERATION_CHUNK_SIZE: Env.schema.number.optional(),
  GENERATION_LEASE_SECONDS: Env.schema.number.optional(),
  GENERATION_MAX_ATTEMPTS: Env.schema.number.optional(),
  GENERATION_CHUNKS_PER_ORG: Env.schema.number.optional(),
  GENERATION_WORKER: Env.schema.enum.optional(['in-process', 'off'] as const),
  QUEUE_WORKER: Env.schema.enum.optional(['in-process', 'off'] as const),
  QUEUE_LANES: Env.schema.number.optional(),
  QUEUE_LEASE_SECONDS: Env.schema.number.optional(),
  QUEUE_MAX_ATTEMPTS: Env.schema.number.optional(),
  QUEUE_BACKOFF_MS: Env.schema.number.optional(),
  VERIFICATION_TOKEN_SECRET: Env.schema.string.optional(),
  WEB_CONCURRENCY: (name: string, value?: string) => {
    if (value === undefined || value === '') return undefined
    const count = Number(value)
    if (!Number.isInteger(count) || count < 1 || count > 64)
      throw new Error(
        `Invalid value for "${name}": expected how many web processes to run, a whole number from 1 to 64, got "${value}"`
      )
    return count
  },
  SHUTDOWN_TIMEOUT_MS: (name: string, value?: string) => {
    if (value === undefined || value === '') return undefined
    const ms = Number(value)
    if (!Number.isInteger(ms) || ms < 0)
      throw new Error(
        `Invalid value for "${name}": expected a whole number of milliseconds (0 or more), got "${value}"`
      )
    return ms
  },
  VERIFICATION_EVENTS_FLUSH_MS: Env.schema.number.optional(),
  VERIFICATION_EVENTS_BATCH_SIZE: Env.schema.number.optional(),
  VERIFICATION_EVENTS_WRITER: Env.schema.enum.optional(['thread', 'connection'] as const),
  VERIFICATION_ISSUER_TTL_MS: Env.schema.number.optional(),
  VERIFICATION_READ_AHEAD_ROWS: Env.schema.number.optional(),

  DEMO_OWNER_PASSWORD: Env.schema.string.optional(),
  DEMO_SMTP_PORT: Env.schema.number.optional(),
  DEMO_WHATSAPP_PORT: Env.schema.number.optional(),

  /** `host` or `host:port`, comma-separated: org-configured integrations may reach these even on private addresses. */
  OUTBOUND_ALLOWED_HOSTS: Env.schema.string.optional(),
  /** Keyring for secrets of delivery integrations: `<id>:<base64url key>`, comma-separated, the first encrypts. */
  DELIVERY_SECRETS_KEY: Env.schema.string.optional(),
})
