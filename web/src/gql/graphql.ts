/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
export type AuditLogFilter = {
  entityId?: string | null | undefined;
  entityType?: string | null | undefined;
  operation?: string | null | undefined;
  result?: string | null | undefined;
  since?: string | null | undefined;
  until?: string | null | undefined;
  userId?: string | null | undefined;
};

/** Why one element of a bulk write failed. */
export type BulkErrorCode =
  | 'CONSTRAINT'
  | 'FORBIDDEN'
  | 'LIMIT'
  | 'NOT_FOUND'
  | 'VALIDATION'
  | 'VERSION_CONFLICT';

export type ChangeOperation =
  | 'CREATED'
  | 'DELETED'
  | 'UPDATED';

export type ComponentRole =
  | 'ADAPTER'
  | 'COLLET'
  | 'CUTTER'
  | 'EXTENSION'
  | 'HOLDER'
  | 'INSERT'
  | 'OTHER';

export type EntityType =
  | 'TOOL_ASSEMBLY'
  | 'TOOL_INSTANCE'
  | 'TOOL_ITEM'
  | 'TOOL_PRESET'
  | 'TOOL_SET'
  | 'TOOL_USAGE';

export type InstanceStatus =
  | 'AVAILABLE'
  | 'IN_USE'
  | 'MAINTENANCE'
  | 'NEEDS_INSPECTION'
  | 'OTHER'
  | 'RETIRED';

export type ItemCategory =
  | 'ADAPTER'
  | 'CUTTING_TOOL'
  | 'HOLDER'
  | 'INSERT'
  | 'OTHER'
  | 'PROBE';

export type ToolItemFilter = {
  category?: ItemCategory | null | undefined;
  manufacturer?: string | null | undefined;
  partNumber?: string | null | undefined;
  tagsAll?: Array<string> | null | undefined;
  tagsAny?: Array<string> | null | undefined;
  /** Contained in name, part number or description. */
  text?: string | null | undefined;
  toolType?: ToolType | null | undefined;
  updatedAfter?: string | null | undefined;
};

/** Only the fields present change; an explicit null clears a field. */
export type ToolPresetUpdateInput = {
  description?: string | null | undefined;
  expectedVersion: number;
  id: string;
  isDefault?: boolean | null | undefined;
  limits?: unknown;
  loadedAt?: string | null | undefined;
  loadedBy?: string | null | undefined;
  machineId?: string | null | undefined;
  name?: string | null | undefined;
  offsets?: unknown;
  orientation?: unknown;
  parameters?: unknown;
  pocket?: number | null | undefined;
  tags?: Array<string> | null | undefined;
  toolInstanceId?: string | null | undefined;
  toolNumber?: number | null | undefined;
};

export type ToolSetStatus =
  | 'ACTIVE'
  | 'ARCHIVED'
  | 'DRAFT'
  | 'OTHER';

export type ToolSetType =
  | 'JOB_SPECIFIC'
  | 'MACHINE_SETUP'
  | 'OTHER'
  | 'PROJECT'
  | 'TEMPLATE';

export type ToolType =
  | 'BALL_END_MILL'
  | 'BORING_BAR'
  | 'BULL_NOSE_END_MILL'
  | 'CENTER_DRILL'
  | 'CHAMFER_MILL'
  | 'COUNTERSINK'
  | 'DRILL'
  | 'END_MILL'
  | 'ENGRAVER'
  | 'FACE_MILL'
  | 'OTHER'
  | 'PROBE'
  | 'REAMER'
  | 'SLOT_CUTTER'
  | 'SPOT_DRILL'
  | 'TAP'
  | 'THREAD_MILL'
  | 'TURNING'
  | 'V_BIT';

export type AuditLogQueryVariables = Exact<{
  filter?: AuditLogFilter | null | undefined;
  after?: string | null | undefined;
}>;


export type AuditLogQuery = { auditLog: { edges: Array<{ node: { id: string, userId: string, timestamp: string, operation: string, entityType: string, entityId: string, result: string, errorMessage: string | null } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };

export type CatalogItemsQueryVariables = Exact<{
  filter?: ToolItemFilter | null | undefined;
  after?: string | null | undefined;
}>;


export type CatalogItemsQuery = { toolItems: { totalCount: number, edges: Array<{ node: { id: string, name: string, category: ItemCategory, manufacturer: string | null, partNumber: string | null, toolType: ToolType | null, tags: Array<string> } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };

export type WhereUsedQueryVariables = Exact<{
  id: string;
}>;


export type WhereUsedQuery = { toolItem: { id: string, name: string, assemblies: Array<{ id: string, name: string, instances: Array<{ id: string, serialNumber: string | null, presets: Array<{ id: string, name: string, machineId: string, toolNumber: number | null }> }> }>, instances: Array<{ id: string, serialNumber: string | null, presets: Array<{ id: string, name: string, machineId: string, toolNumber: number | null }> }> } | null };

export type InstanceLifeQueryVariables = Exact<{
  id: string;
}>;


export type InstanceLifeQuery = { toolInstance: { id: string, serialNumber: string | null, status: InstanceStatus, measurements: unknown, toolAssembly: { id: string, name: string } | null, usages: Array<{ id: string, startTime: string, endTime: string | null, cutTime: number | null, cycleCount: number | null, wearMeasurements: unknown, machineId: string | null, programName: string | null }> } | null };

export type ApiKeysQueryVariables = Exact<{ [key: string]: never; }>;


export type ApiKeysQuery = { apiKeys: Array<{ id: string, name: string, scopes: Array<string>, tags: Array<string>, machineId: string | null, expiresAt: string | null, revokedAt: string | null, isActive: boolean }> };

export type CreateApiKeyMutationVariables = Exact<{
  name: string;
  scopes: Array<string> | string;
  tags?: Array<string> | string | null | undefined;
  machineId?: string | null | undefined;
}>;


export type CreateApiKeyMutation = { createApiKey: { secret: string, apiKey: { id: string, name: string, scopes: Array<string>, tags: Array<string>, machineId: string | null, isActive: boolean } } };

export type RevokeApiKeyMutationVariables = Exact<{
  id: string;
}>;


export type RevokeApiKeyMutation = { revokeApiKey: { id: string, isActive: boolean, revokedAt: string | null } };

export type MachineIdsQueryVariables = Exact<{
  after?: string | null | undefined;
}>;


export type MachineIdsQuery = { toolPresets: { edges: Array<{ node: { machineId: string } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };

export type TablePresetFragment = { id: string, version: number, name: string, machineId: string, toolNumber: number | null, pocket: number | null, updatedAt: string, toolInstance: { id: string, serialNumber: string | null, status: InstanceStatus, toolAssembly: { id: string, name: string, components: Array<{ role: ComponentRole, position: number | null, item: { id: string, name: string, category: ItemCategory, manufacturer: string | null } | null }> } | null } | null };

export type ToolTableQueryVariables = Exact<{
  machineId: string;
}>;


export type ToolTableQuery = { toolPresets: { totalCount: number, edges: Array<{ node: { id: string, version: number, name: string, machineId: string, toolNumber: number | null, pocket: number | null, updatedAt: string, toolInstance: { id: string, serialNumber: string | null, status: InstanceStatus, toolAssembly: { id: string, name: string, components: Array<{ role: ComponentRole, position: number | null, item: { id: string, name: string, category: ItemCategory, manufacturer: string | null } | null }> } | null } | null } }> } };

export type PresetRowQueryVariables = Exact<{
  id: string;
}>;


export type PresetRowQuery = { toolPreset: { id: string, version: number, name: string, machineId: string, toolNumber: number | null, pocket: number | null, updatedAt: string, toolInstance: { id: string, serialNumber: string | null, status: InstanceStatus, toolAssembly: { id: string, name: string, components: Array<{ role: ComponentRole, position: number | null, item: { id: string, name: string, category: ItemCategory, manufacturer: string | null } | null }> } | null } | null } | null };

export type UpdatePresetMutationVariables = Exact<{
  input: ToolPresetUpdateInput;
}>;


export type UpdatePresetMutation = { updateToolPresets: { results: Array<{ id: string, version: number, name: string, machineId: string, toolNumber: number | null, pocket: number | null, updatedAt: string, toolInstance: { id: string, serialNumber: string | null, status: InstanceStatus, toolAssembly: { id: string, name: string, components: Array<{ role: ComponentRole, position: number | null, item: { id: string, name: string, category: ItemCategory, manufacturer: string | null } | null }> } | null } | null }>, errors: Array<
      | { code: BulkErrorCode, message: string, field: string | null }
      | { code: BulkErrorCode, message: string, field: string | null }
      | { code: BulkErrorCode, message: string, field: string | null }
      | { code: BulkErrorCode, message: string, field: string | null }
      | { code: BulkErrorCode, message: string, field: string | null }
    > } };

export type ChangesSubscriptionVariables = Exact<{
  after?: string | null | undefined;
}>;


export type ChangesSubscription = { changes: { cursor: string, entityType: EntityType, entityId: string, operation: ChangeOperation, version: number } };

export type MeQueryVariables = Exact<{ [key: string]: never; }>;


export type MeQuery = { me: { id: string, email: string, isAdmin: boolean, isActive: boolean } };

export type LoginMutationVariables = Exact<{
  email: string;
  password: string;
}>;


export type LoginMutation = { login: { id: string, email: string, isAdmin: boolean, isActive: boolean } };

export type RegisterMutationVariables = Exact<{
  email: string;
  password: string;
}>;


export type RegisterMutation = { register: { id: string, email: string, isAdmin: boolean, isActive: boolean } };

export type LogoutMutationVariables = Exact<{ [key: string]: never; }>;


export type LogoutMutation = { logout: boolean };

export type ToolSetsQueryVariables = Exact<{ [key: string]: never; }>;


export type ToolSetsQuery = { toolSets: { edges: Array<{ node: { id: string, name: string, version: number, type: ToolSetType, status: ToolSetStatus, machineId: string | null } }> } };

export type ToolSetDetailQueryVariables = Exact<{
  id: string;
}>;


export type ToolSetDetailQuery = { toolSet: { id: string, name: string, version: number, type: ToolSetType, status: ToolSetStatus, machineId: string | null, members: unknown, toolPresets: Array<{ id: string, name: string, toolNumber: number | null, machineId: string }>, toolInstances: Array<{ id: string, serialNumber: string | null, status: InstanceStatus }> } | null, toolSetHistory: Array<{ version: number, changedAt: string, changedBy: string, changeSummary: string | null, isCurrent: boolean }> };

export type CompareToolSetVersionsQueryVariables = Exact<{
  id: string;
  a: number;
  b: number;
}>;


export type CompareToolSetVersionsQuery = { compareToolSetVersions: { totalChanges: number, differences: Array<{ field: string, valueA: unknown, valueB: unknown }> } };

export type RestoreToolSetVersionMutationVariables = Exact<{
  id: string;
  version: number;
}>;


export type RestoreToolSetVersionMutation = { restoreToolSetVersion: { id: string, version: number } };

export type UsersQueryVariables = Exact<{ [key: string]: never; }>;


export type UsersQuery = { users: Array<{ id: string, email: string, isAdmin: boolean, isActive: boolean, createdAt: string }> };

export type CreateUserMutationVariables = Exact<{
  email: string;
  password: string;
  isAdmin: boolean;
}>;


export type CreateUserMutation = { createUser: { id: string, email: string, isAdmin: boolean, isActive: boolean, createdAt: string } };

export type UpdateUserMutationVariables = Exact<{
  id: string;
  isAdmin?: boolean | null | undefined;
  isActive?: boolean | null | undefined;
}>;


export type UpdateUserMutation = { updateUser: { id: string, email: string, isAdmin: boolean, isActive: boolean, createdAt: string } };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}
export const TablePresetFragmentDoc = new TypedDocumentString(`
    fragment TablePreset on ToolPreset {
  id
  version
  name
  machineId
  toolNumber
  pocket
  updatedAt
  toolInstance {
    id
    serialNumber
    status
    toolAssembly {
      id
      name
      components {
        role
        position
        item {
          id
          name
          category
          manufacturer
        }
      }
    }
  }
}
    `, {"fragmentName":"TablePreset"}) as unknown as TypedDocumentString<TablePresetFragment, unknown>;
export const AuditLogDocument = new TypedDocumentString(`
    query AuditLog($filter: AuditLogFilter, $after: String) {
  auditLog(filter: $filter, first: 50, after: $after) {
    edges {
      node {
        id
        userId
        timestamp
        operation
        entityType
        entityId
        result
        errorMessage
      }
    }
    pageInfo {
      hasNextPage
      endCursor
    }
  }
}
    `) as unknown as TypedDocumentString<AuditLogQuery, AuditLogQueryVariables>;
export const CatalogItemsDocument = new TypedDocumentString(`
    query CatalogItems($filter: ToolItemFilter, $after: String) {
  toolItems(filter: $filter, first: 25, after: $after, orderBy: {field: NAME}) {
    totalCount
    edges {
      node {
        id
        name
        category
        manufacturer
        partNumber
        toolType
        tags
      }
    }
    pageInfo {
      hasNextPage
      endCursor
    }
  }
}
    `) as unknown as TypedDocumentString<CatalogItemsQuery, CatalogItemsQueryVariables>;
export const WhereUsedDocument = new TypedDocumentString(`
    query WhereUsed($id: ID!) {
  toolItem(id: $id) {
    id
    name
    assemblies {
      id
      name
      instances {
        id
        serialNumber
        presets {
          id
          name
          machineId
          toolNumber
        }
      }
    }
    instances {
      id
      serialNumber
      presets {
        id
        name
        machineId
        toolNumber
      }
    }
  }
}
    `) as unknown as TypedDocumentString<WhereUsedQuery, WhereUsedQueryVariables>;
export const InstanceLifeDocument = new TypedDocumentString(`
    query InstanceLife($id: ID!) {
  toolInstance(id: $id) {
    id
    serialNumber
    status
    measurements
    toolAssembly {
      id
      name
    }
    usages {
      id
      startTime
      endTime
      cutTime
      cycleCount
      wearMeasurements
      machineId
      programName
    }
  }
}
    `) as unknown as TypedDocumentString<InstanceLifeQuery, InstanceLifeQueryVariables>;
export const ApiKeysDocument = new TypedDocumentString(`
    query ApiKeys {
  apiKeys {
    id
    name
    scopes
    tags
    machineId
    expiresAt
    revokedAt
    isActive
  }
}
    `) as unknown as TypedDocumentString<ApiKeysQuery, ApiKeysQueryVariables>;
export const CreateApiKeyDocument = new TypedDocumentString(`
    mutation CreateApiKey($name: String!, $scopes: [String!]!, $tags: [String!], $machineId: String) {
  createApiKey(name: $name, scopes: $scopes, tags: $tags, machineId: $machineId) {
    secret
    apiKey {
      id
      name
      scopes
      tags
      machineId
      isActive
    }
  }
}
    `) as unknown as TypedDocumentString<CreateApiKeyMutation, CreateApiKeyMutationVariables>;
export const RevokeApiKeyDocument = new TypedDocumentString(`
    mutation RevokeApiKey($id: ID!) {
  revokeApiKey(id: $id) {
    id
    isActive
    revokedAt
  }
}
    `) as unknown as TypedDocumentString<RevokeApiKeyMutation, RevokeApiKeyMutationVariables>;
export const MachineIdsDocument = new TypedDocumentString(`
    query MachineIds($after: String) {
  toolPresets(first: 1000, after: $after, orderBy: {field: MACHINE_ID}) {
    edges {
      node {
        machineId
      }
    }
    pageInfo {
      hasNextPage
      endCursor
    }
  }
}
    `) as unknown as TypedDocumentString<MachineIdsQuery, MachineIdsQueryVariables>;
export const ToolTableDocument = new TypedDocumentString(`
    query ToolTable($machineId: String!) {
  toolPresets(filter: {machineId: $machineId}, first: 1000) {
    totalCount
    edges {
      node {
        ...TablePreset
      }
    }
  }
}
    fragment TablePreset on ToolPreset {
  id
  version
  name
  machineId
  toolNumber
  pocket
  updatedAt
  toolInstance {
    id
    serialNumber
    status
    toolAssembly {
      id
      name
      components {
        role
        position
        item {
          id
          name
          category
          manufacturer
        }
      }
    }
  }
}`) as unknown as TypedDocumentString<ToolTableQuery, ToolTableQueryVariables>;
export const PresetRowDocument = new TypedDocumentString(`
    query PresetRow($id: ID!) {
  toolPreset(id: $id) {
    ...TablePreset
  }
}
    fragment TablePreset on ToolPreset {
  id
  version
  name
  machineId
  toolNumber
  pocket
  updatedAt
  toolInstance {
    id
    serialNumber
    status
    toolAssembly {
      id
      name
      components {
        role
        position
        item {
          id
          name
          category
          manufacturer
        }
      }
    }
  }
}`) as unknown as TypedDocumentString<PresetRowQuery, PresetRowQueryVariables>;
export const UpdatePresetDocument = new TypedDocumentString(`
    mutation UpdatePreset($input: ToolPresetUpdateInput!) {
  updateToolPresets(input: [$input], atomic: true) {
    results {
      ...TablePreset
    }
    errors {
      code
      message
      field
    }
  }
}
    fragment TablePreset on ToolPreset {
  id
  version
  name
  machineId
  toolNumber
  pocket
  updatedAt
  toolInstance {
    id
    serialNumber
    status
    toolAssembly {
      id
      name
      components {
        role
        position
        item {
          id
          name
          category
          manufacturer
        }
      }
    }
  }
}`) as unknown as TypedDocumentString<UpdatePresetMutation, UpdatePresetMutationVariables>;
export const ChangesDocument = new TypedDocumentString(`
    subscription Changes($after: String) {
  changes(after: $after) {
    cursor
    entityType
    entityId
    operation
    version
  }
}
    `) as unknown as TypedDocumentString<ChangesSubscription, ChangesSubscriptionVariables>;
export const MeDocument = new TypedDocumentString(`
    query Me {
  me {
    id
    email
    isAdmin
    isActive
  }
}
    `) as unknown as TypedDocumentString<MeQuery, MeQueryVariables>;
export const LoginDocument = new TypedDocumentString(`
    mutation Login($email: String!, $password: String!) {
  login(email: $email, password: $password) {
    id
    email
    isAdmin
    isActive
  }
}
    `) as unknown as TypedDocumentString<LoginMutation, LoginMutationVariables>;
export const RegisterDocument = new TypedDocumentString(`
    mutation Register($email: String!, $password: String!) {
  register(email: $email, password: $password) {
    id
    email
    isAdmin
    isActive
  }
}
    `) as unknown as TypedDocumentString<RegisterMutation, RegisterMutationVariables>;
export const LogoutDocument = new TypedDocumentString(`
    mutation Logout {
  logout
}
    `) as unknown as TypedDocumentString<LogoutMutation, LogoutMutationVariables>;
export const ToolSetsDocument = new TypedDocumentString(`
    query ToolSets {
  toolSets(first: 200, orderBy: {field: NAME}) {
    edges {
      node {
        id
        name
        version
        type
        status
        machineId
      }
    }
  }
}
    `) as unknown as TypedDocumentString<ToolSetsQuery, ToolSetsQueryVariables>;
export const ToolSetDetailDocument = new TypedDocumentString(`
    query ToolSetDetail($id: ID!) {
  toolSet(id: $id) {
    id
    name
    version
    type
    status
    machineId
    members
    toolPresets {
      id
      name
      toolNumber
      machineId
    }
    toolInstances {
      id
      serialNumber
      status
    }
  }
  toolSetHistory(toolSetId: $id) {
    version
    changedAt
    changedBy
    changeSummary
    isCurrent
  }
}
    `) as unknown as TypedDocumentString<ToolSetDetailQuery, ToolSetDetailQueryVariables>;
export const CompareToolSetVersionsDocument = new TypedDocumentString(`
    query CompareToolSetVersions($id: ID!, $a: Int!, $b: Int!) {
  compareToolSetVersions(toolSetId: $id, versionA: $a, versionB: $b) {
    totalChanges
    differences {
      field
      valueA
      valueB
    }
  }
}
    `) as unknown as TypedDocumentString<CompareToolSetVersionsQuery, CompareToolSetVersionsQueryVariables>;
export const RestoreToolSetVersionDocument = new TypedDocumentString(`
    mutation RestoreToolSetVersion($id: ID!, $version: Int!) {
  restoreToolSetVersion(toolSetId: $id, version: $version) {
    id
    version
  }
}
    `) as unknown as TypedDocumentString<RestoreToolSetVersionMutation, RestoreToolSetVersionMutationVariables>;
export const UsersDocument = new TypedDocumentString(`
    query Users {
  users {
    id
    email
    isAdmin
    isActive
    createdAt
  }
}
    `) as unknown as TypedDocumentString<UsersQuery, UsersQueryVariables>;
export const CreateUserDocument = new TypedDocumentString(`
    mutation CreateUser($email: String!, $password: String!, $isAdmin: Boolean!) {
  createUser(email: $email, password: $password, isAdmin: $isAdmin) {
    id
    email
    isAdmin
    isActive
    createdAt
  }
}
    `) as unknown as TypedDocumentString<CreateUserMutation, CreateUserMutationVariables>;
export const UpdateUserDocument = new TypedDocumentString(`
    mutation UpdateUser($id: ID!, $isAdmin: Boolean, $isActive: Boolean) {
  updateUser(id: $id, isAdmin: $isAdmin, isActive: $isActive) {
    id
    email
    isAdmin
    isActive
    createdAt
  }
}
    `) as unknown as TypedDocumentString<UpdateUserMutation, UpdateUserMutationVariables>;