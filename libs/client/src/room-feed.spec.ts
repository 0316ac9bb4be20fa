import type { Message } from '@parley/contract';
import { RoomFeed } from './room-feed';
import { testMessage } from '../../../test/support/unit';

const message = (seq: number): Message => testMessage(seq, { roomId: 'r' });
const seqs = (messages: Message[]): number[] => messages.map((m) => m.seq);

describe('RoomFeed', () => {
  it('delivers consecutive messages at once and advances lastSeq', () => {
    const feed = new RoomFeed(3);
    expect(seqs(feed.accept([message(4), message(5)]))).toEqual([4, 5]);
    expect(feed.lastSeq).toBe(5);
    expect(feed.hasGap).toBe(false);
  });

  it('holds messages behind a hole and releases them in order when it is filled', () => {
    const feed = new RoomFeed(0);
    expect(seqs(feed.accept([message(3), message(2)]))).toEqual([]);
    expect(feed.hasGap).toBe(true);
    expect(feed.heldCount).toBe(2);
    expect(seqs(feed.accept([message(1)]))).toEqual([1, 2, 3]);
    expect(feed.hasGap).toBe(false);
  });

  it('drops duplicates, whether already delivered or already held', () => {
    const feed = new RoomFeed(0);
    feed.accept([message(1)]);
    expect(feed.accept([message(1)])).toEqual([]);
    feed.accept([message(3)]);
    feed.accept([message(3)]);
    expect(feed.heldCount).toBe(1);
    expect(seqs(feed.accept([message(2)]))).toEqual([2, 3]);
  });

  it('merges overlapping sources (live, catch-up, ack, REST page) into one sequence', () => {
    const feed = new RoomFeed(10);
    const delivered = [
      ...feed.accept([message(12)]), // live, ahead
      ...feed.accept([message(11), message(12), message(13)]), // catch-up overlapping
      ...feed.accept([message(13)]), // own ack, duplicate
      ...feed.accept([message(14), message(15)]), // REST page
    ];
    expect(seqs(delivered)).toEqual([11, 12, 13, 14, 15]);
  });
});
