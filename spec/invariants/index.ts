/**
 * Every invariant, TypeOK first. State invariants hold in every reachable state; action
 * invariants hold on every step.
 */
import {
  ClaimNeedsNoPasids,
  FailedPasidAttachLeavesNoTrace,
  IommuUnmapIsSynchronous,
  NoStealing,
  SysfsChangeNeedsNoUsers,
} from './actions.js';
import {
  BlockedMeansFault,
  DmaIsolation,
  FlushQueueNeedsDeferredFlush,
  FqConsistency,
  IotlbCoherent,
  LiveMappingsTranslate,
  NoIovaReuseBeforeInvalidation,
} from './dma.js';
import {
  DirectRegionsMapped,
  NeverDomainless,
  OneCurrentDomain,
  RequireDirectNeverBlocked,
  StaticDomainsIntact,
  TypeOK,
  UntrustedNeverIdentity,
  UntrustedStrict,
} from './groups.js';
import { HitlessEntryUpdate, NoWarningFired } from './hardware.js';
import { IovaPlacement, RcacheTyping } from './iova.js';
import {
  BoundDriversCounted,
  OwnedGroupOffDefault,
  OwnerExcludesDmaApiDrivers,
  OwnerImpliesCount,
} from './ownership.js';
import {
  GlobalPasidNotDeviceLocal,
  GlobalPasidSingleHolder,
  NoPasidZeroEntry,
  PasidAttachNeverReplaces,
  PasidRoutesToOneDomain,
  PasidWithinRange,
} from './pasid.js';
import { SvaBondAttached, SvaUsersMatchBonds } from './sva.js';
import type { ActionInvariant, Invariant } from './types.js';

export const INVARIANTS: readonly Invariant[] = [
  TypeOK,
  NeverDomainless,
  OneCurrentDomain,
  RequireDirectNeverBlocked,
  DirectRegionsMapped,
  UntrustedNeverIdentity,
  UntrustedStrict,
  StaticDomainsIntact,
  OwnerImpliesCount,
  OwnerExcludesDmaApiDrivers,
  OwnedGroupOffDefault,
  BoundDriversCounted,
  PasidRoutesToOneDomain,
  NoPasidZeroEntry,
  PasidWithinRange,
  GlobalPasidSingleHolder,
  GlobalPasidNotDeviceLocal,
  SvaUsersMatchBonds,
  SvaBondAttached,
  FqConsistency,
  FlushQueueNeedsDeferredFlush,
  LiveMappingsTranslate,
  IotlbCoherent,
  NoIovaReuseBeforeInvalidation,
  DmaIsolation,
  BlockedMeansFault,
  IovaPlacement,
  RcacheTyping,
  HitlessEntryUpdate,
  NoWarningFired,
];

export const ACTION_INVARIANTS: readonly ActionInvariant[] = [
  NoStealing,
  FailedPasidAttachLeavesNoTrace,
  PasidAttachNeverReplaces,
  ClaimNeedsNoPasids,
  SysfsChangeNeedsNoUsers,
  IommuUnmapIsSynchronous,
];

export type { ActionInvariant, Invariant };
