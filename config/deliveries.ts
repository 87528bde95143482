/**
 * Sending certificates (ARCHITECTURE.md "Deliveries"): throttles, retries, attachments and
 * links. The values are read when used, so a test or a bench may change
 * them on this object.
 */
import env from '#start/env'

const deliveries = {
  /** Messages a send job carries (one integration's, in order). */
  batchSize: 50,
  /** Messages of one send job in the provider's hands at once (each waits for its own throttle slot). */
  inFlightPerJob: 16,
  /** Messages a second an email integration (and the platform sender) may send unless its settings say. */
  emailMessagesPerSecond: env.get('DELIVERY_EMAIL_RATE', 20),
  /** WhatsApp Cloud API's throughput per phone number unless `messages_per_second` says. */
  whatsappMessagesPerSecond: 80,
  /** Least time between two messages to the same recipient from one sender (WhatsApp's pair rate). */
  recipientGapMs: { email: 0, whatsapp: 6_000 } as Record<'email' | 'whatsapp', number>,
  /**
   * A reserved slot at most this far ahead is waited for in the job; a later
   * one sends the job back to the queue to run then.
   */
  maxSlotWaitMs: 2_000,
  /** Tries of one message before a transient error fails it for good. */
  maxSendAttempts: 6,
  /** First retry delay after a transient error; doubled per try, capped, with ±50 % jitter. */
  retryBaseMs: 30_000,
  retryCapMs: 3_600_000,
  /** A provider call that has not answered after this long is given up (the attempt may still have landed). */
  sendTimeoutMs: env.get('DELIVERY_SEND_TIMEOUT_MS', 30_000),
  /** PDFs attached to an email up to this total; above it the email links to them. */
  maxAttachmentBytes: env.get('DELIVERY_MAX_ATTACHMENT_BYTES', 10 * 1024 * 1024),
  /** How long a certificate's download link and a recipient page link stay valid. */
  linkTtlDays: 30,
  /** The label of the platform's own sender: `<org> via Authentix`. */
  platformLabel: 'Authentix',
  /**
   * The platform's bounce mailbox (ARCHITECTURE.md "Deliveries"): mail sent over SMTP carries
   * `bounce+<token>@<domain>` as its envelope sender, and our own SMTP receiver takes the
   * reports mail servers send there. Off (no such envelope sender, no receiver) without a domain.
   */
  bounces: {
    /** The domain whose MX points at the receiver; null: off. */
    domain: env.get('BOUNCE_DOMAIN')?.trim().toLowerCase() || null,
    /** Where the receiver listens; without a port the web process starts none. */
    port: env.get('BOUNCE_SMTP_PORT') ?? null,
    host: env.get('BOUNCE_SMTP_HOST', '0.0.0.0'),
    /** `in-process`: each web process listens (a cluster shares the port); `off`: `node ace bounces:receive`. */
    receiver: env.get('BOUNCE_RECEIVER', 'in-process') as 'in-process' | 'off',
    /** A report larger than this is refused (552); one is a few KB, a copy of a mail with PDFs more. */
    maxMessageBytes: 10 * 1024 * 1024,
    /** Bytes of a report kept raw in its stored event. */
    storedBytes: 64 * 1024,
  },
}

export default deliveries
