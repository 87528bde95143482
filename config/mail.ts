import env from '#start/env'
import { defineConfig, transports } from '@adonisjs/mail'

/**
 * SMTP when SMTP_HOST is set. Without it (the zero-config `npm start`), mails
 * go to a JSON transport and the mail service logs them, so reset links can
 * still be followed from the console.
 */
const mailConfig = defineConfig({
  default: env.get('SMTP_HOST') ? 'smtp' : 'log',
  from: {
    address: env.get('MAIL_FROM_ADDRESS', 'no-reply@authentix.local'),
    name: env.get('MAIL_FROM_NAME', 'Authentix'),
  },
  mailers: {
    smtp: transports.smtp({
      host: env.get('SMTP_HOST', '127.0.0.1'),
      port: env.get('SMTP_PORT', 25),
      secure: env.get('SMTP_SECURE', false),
      ignoreTLS: !env.get('SMTP_SECURE', false),
      ...(env.get('SMTP_USERNAME')
        ? {
            auth: {
              type: 'login' as const,
              user: env.get('SMTP_USERNAME')!,
              pass: env.get('SMTP_PASSWORD', ''),
            },
          }
        : {}),
    }),
    log: transports.smtp({ jsonTransport: true } as any),
  },
})

export default mailConfig

declare module '@adonisjs/mail/types' {
  export interface MailersList extends InferMailers<typeof mailConfig> {}
}
