import type { ProvenanceEvent } from '@epipe/core';
import { eventRecord, type OutgoingRecord } from './records';

/** Where provenance events go: one topic, or one per project that owns the artifact. */
export interface ProvenanceTopics {
  topic: string;
  /** `<topic>.<project>` of the artifact's owner: a cross-project read goes to the data owner's topic. */
  topicPerProject: boolean;
}

/** Kafka topic names allow [a-zA-Z0-9._-], at most 249 characters. */
const TOPIC_MAX_CHARS = 249;

export function provenanceTopicOf(topics: ProvenanceTopics, event: ProvenanceEvent): string {
  if (!topics.topicPerProject) return topics.topic;
  const project = event.artifact.project.replace(/[^a-zA-Z0-9._-]/g, '_');
  return `${topics.topic}.${project}`.slice(0, TOPIC_MAX_CHARS);
}

/** Key = artifact id, so one artifact's operations stay in order in one partition. */
export function provenanceRecord(event: ProvenanceEvent): OutgoingRecord {
  return eventRecord(String(event.artifact.id), event);
}

/** Events grouped by topic, each group in the caller's order. */
export function groupByTopic(
  topics: ProvenanceTopics,
  events: readonly ProvenanceEvent[],
): Map<string, ProvenanceEvent[]> {
  const groups = new Map<string, ProvenanceEvent[]>();
  for (const e of events) {
    const topic = provenanceTopicOf(topics, e);
    const list = groups.get(topic);
    if (list) list.push(e);
    else groups.set(topic, [e]);
  }
  return groups;
}
