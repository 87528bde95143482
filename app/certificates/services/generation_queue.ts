import { EventEmitter } from 'node:events'

/**
 * In-process wake-up for workers: a job created or started in this process
 * wakes its workers at once instead of at their next poll. Workers in
 * other processes find the work when they poll.
 */
class GenerationQueue extends EventEmitter {
  notify() {
    this.emit('work')
  }
}

export const generationQueue = new GenerationQueue()
generationQueue.setMaxListeners(64)
