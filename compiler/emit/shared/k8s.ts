/** Kubernetes objects as data, shared by the emitters that write them (kustomize, observability). */

/** A Kubernetes object with its apiVersion and kind (the client types leave them optional). */
export type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> } } & Record<string, unknown>;

/** Builds an object of a kind from a body typed with @kubernetes/client-node's types. */
export const k8sObject = <T>(apiVersion: string, kind: string, body: T): K8sObject => ({ apiVersion, kind, ...(body as object) }) as K8sObject;
