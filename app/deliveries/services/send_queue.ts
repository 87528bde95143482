/**
 * The delivery send queue as the rest of the app imports it (start/queue.ts
 * loads it so every process knows the `deliveries.send` kind). The kind,
 * its handler and `enqueueSends` live with the worker
 * (#deliveries/services/send_worker), which must enqueue its own
 * continuations.
 */
export { enqueueSends, sendMessages, type SendPayload } from '#deliveries/services/send_worker'
export type { QueuedMessage } from '#deliveries/services/delivery_message_rows'
