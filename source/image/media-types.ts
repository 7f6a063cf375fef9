export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const DOCKER_MANIFEST_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';

export const isIndexType = (type: unknown) => type === OCI_INDEX || type === DOCKER_MANIFEST_LIST;
export const isManifestType = (type: unknown) => type === OCI_MANIFEST || type === DOCKER_MANIFEST;

export const REF_NAME = 'org.opencontainers.image.ref.name';
export const CONTAINERD_IMAGE_NAME = 'io.containerd.image.name';
export const DOCKER_REFERENCE_TYPE = 'vnd.docker.reference.type';
