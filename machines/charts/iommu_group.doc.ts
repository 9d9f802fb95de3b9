/** Documentation data of the iommu_group chart (machines/charts/iommu_group.machine.ts); see machines/charts/doc.ts. */
import type { ChartDoc } from './doc.js';

const IOMMU_C = 'drivers/iommu/iommu.c';

export const iommuGroupDoc: ChartDoc = {
  title: 'struct iommu_group',
  summary:
    "Which domain the group's RID traffic uses (`domain`: group->domain) and who uses the group's DMA (`ownership`: owner_cnt and the owner cookie), as two concurrent regions. The default domain's type is context. The explicit DMA-ownership claims and releases are root transitions that move both regions at once.",
  guards: {
    isDomainless: 'group->domain is NULL (no default domain)',
    isOnDefaultDomain: 'group->domain is the default domain',
    isOnBlockingDomain: 'group->domain is the blocking domain',
    isOnPrivateDomain: "group->domain is a caller's domain",
    isUnowned: 'nobody uses the group (owner_cnt == 0)',
    isShared: 'DMA-API drivers use the group',
    isOwned: 'an explicit DMA owner (VFIO, iommufd) owns the group',
    hasUsers: 'owner_cnt > 0',
    hasSeveralUsers: 'owner_cnt > 1',
    isUnused: 'owner_cnt == 0',
    isLastUser: 'owner_cnt == 1',
    hasPasids: 'the pasid_array is not empty',
    isNullOwner: 'the owner cookie is NULL',
    isOtherOwner: 'the owner cookie is not group->owner',
    isReleaseInconsistent:
      'nothing to release: owner_cnt == 0, no owner, or PASIDs still attached (WARN_ON)',
    isNotSingleton: 'the group has more than one device',
    isIncompatible: "the domain's ops are not the group's driver's",
    isNullDomain: 'the new domain is NULL',
    isNotCurrentDomain: 'the domain passed is not group->domain (WARN_ON)',
    isTargetCurrent: 'the domain is already group->domain',
    isDirectRefused: 'a require_direct member would go onto a blocking domain',
    isAttachFault: "a member's attach_dev fails (armed fault)",
    isDriverRefused: "a member's attach_dev refuses the domain (another IOMMU instance)",
    isTargetDefault: 'the domain is the default domain',
    isTargetBlocking: 'the domain is the blocking domain',
    isNoDefaultDomain: 'the group has no default domain',
    isUnknownType: 'the string names no domain type',
    isLegacyRules: 'v6.3 rules (iommu_change_dev_def_domain)',
    isLegacyMultiDevice: 'v6.3: the group has more than one device',
    isLegacyDriverBound: 'v6.3: a driver is bound (not the live DMA to DMA-FQ upgrade)',
    isLegacyTypeConflict: "v6.3: the type conflicts with the device's def_domain_type",
    isLegacySameType: 'v6.3: the type asked for is the current one',
    isLiveUpgrade: 'DMA-FQ asked of a DMA default domain (the live upgrade)',
    isFlushQueueFault: 'iommu_dma_init_fq fails (armed fault)',
    isNoLegalType: 'no type is legal for every member',
    isAllocError: 'allocating the new default domain fails',
    isSameDefaultDomain: 'the allocation returns the current default domain',
    isDirectMapFault: "v6.3: mapping a member's direct regions fails",
  },
  negated: {
    isOnDefaultDomain: 'group->domain is not the default domain',
    isDomainless: 'group->domain is not NULL',
    isLegacyRules: 'newest rules (not v6.3)',
  },
  actions: {
    returnZero: '0',
    returnEBUSY: '-EBUSY',
    returnEPERM: '-EPERM',
    returnEINVAL: '-EINVAL',
    returnEPROBE_DEFER: '-EPROBE_DEFER',
    returnAttachFault: '-ENOMEM (uses up the attach_dev fault; the members roll back)',
    countUser: '0, owner_cnt + 1',
    uncountUser: '0, owner_cnt - 1',
    recordOwner: '0, records the owner, owner_cnt + 1',
    clearOwner: '0, owner = NULL, owner_cnt = 0',
    recordPrivateDomain: "0, records the caller's domain",
    forgetPrivateDomain: "forgets the caller's domain",
    returnCount: 'the byte count (nothing changes)',
    keepDefaultDomain: 'the byte count; the default domain stays, the DMA ops are set up again',
    upgradeToFlushQueue: 'the byte count; the default domain becomes DMA-FQ in place',
    returnFlushQueueFault: '-ENOMEM (uses up the iommu_dma_init_fq fault)',
    returnAllocError: "the allocation's errno",
    returnDirectMapFault: '-ENOMEM (the direct mapping failed)',
    returnSetupAttachFault: '-ENOMEM (attaching the new default domain failed; the old one stays)',
    installDefaultDomain:
      'the byte count; the new default domain is installed, the DMA ops are set up again',
    returnTypeName: 'the type\'s name and a newline ("unknown" without a default domain)',
    returnNullDomain: 'NULL',
    returnDefaultHandle: 'the default domain',
    returnBlockingHandle: 'the blocking domain',
    returnPrivateHandle: "the caller's domain",
  },
  citations: {
    iommu_device_use_default_domain: `${IOMMU_C}: iommu_device_use_default_domain`,
    iommu_device_unuse_default_domain: `${IOMMU_C}: iommu_device_unuse_default_domain`,
  },
  unreachable: [
    {
      transition: 'domain/iommu_group_store_type#1',
      guard: 'isNoDefaultDomain',
      reason:
        'needs a group whose default-domain setup failed at boot (drivers/iommu/iommu.c iommu_setup_default_domain), and no built-in scenario has one: by the driver facts (spec/drivers.ts) selection fails only when a driver asks for DMA without CONFIG_IOMMU_DMA (AMD, for an untrusted device), and allocation only when a scenario fault fails it at boot; no built-in configures either',
    },
    {
      transition: 'domain/iommu_get_domain_for_dev#1',
      guard: 'isDomainless',
      reason:
        'needs a group whose default-domain setup failed at boot (drivers/iommu/iommu.c iommu_setup_default_domain), and no built-in scenario has one: by the driver facts (spec/drivers.ts) selection fails only when a driver asks for DMA without CONFIG_IOMMU_DMA (AMD, for an untrusted device), and allocation only when a scenario fault fails it at boot; no built-in configures either',
    },
    {
      transition: 'ownership/iommu_device_use_default_domain#1',
      guard: 'isNoDefaultDomain',
      reason:
        'needs a group whose default-domain setup failed at boot (drivers/iommu/iommu.c iommu_setup_default_domain), and no built-in scenario has one: by the driver facts (spec/drivers.ts) selection fails only when a driver asks for DMA without CONFIG_IOMMU_DMA (AMD, for an untrusted device), and allocation only when a scenario fault fails it at boot; no built-in configures either',
    },
    {
      transition: 'ownership/iommu_device_use_default_domain#3',
      guard: 'and(isShared, not(isOnDefaultDomain))',
      reason:
        "a group DMA-API drivers use leaves its default domain only by iommu_attach_device, on a singleton group (machines/router/contract.ts attachGroupNotShared keeps group attaches off shared multi-device groups, and bindOnUsableGroup keeps drivers off unowned private multi-device groups), and a singleton's one device is then bound already: the driver core answers -EBUSY before asking the group",
    },
    {
      transition: 'iommu_group/iommu_group_claim_dma_owner#1',
      guard: 'isNullOwner',
      reason:
        "caller contract (machines/router/contract.ts claimWithOwner): a NULL owner cookie is a WARN_ON, the caller's bug; the explorer passes only the scenario's owner names",
    },
    {
      transition: 'iommu_group/iommu_device_claim_dma_owner#1',
      guard: 'isNullOwner',
      reason:
        "caller contract (machines/router/contract.ts claimWithOwner): a NULL owner cookie is a WARN_ON, the caller's bug; the explorer passes only the scenario's owner names",
    },
    {
      transition: 'iommu_group/iommu_group_release_dma_owner#1',
      guard: 'isReleaseInconsistent',
      reason:
        'caller contract (machines/router/contract.ts releaseOwnedGroup): only the owner of an owned group releases it, after detaching its PASIDs; anything else is the WARN_ON in __iommu_release_dma_ownership',
    },
    {
      transition: 'iommu_group/iommu_device_release_dma_owner#2',
      guard: 'isReleaseInconsistent',
      reason:
        'caller contract (machines/router/contract.ts releaseOwnedDevice): only an owner releases, after detaching its PASIDs; anything else is the WARN_ON in __iommu_release_dma_ownership',
    },
    {
      transition: 'domain/iommu_attach_device#4',
      guard: 'isTargetCurrent',
      reason:
        'caller contract (machines/router/contract.ts attachUserDomain): callers attach only domains they allocated, and a group already on one answers -EBUSY (alternative 2) first: only a default or blocking domain could be current here',
    },
    {
      transition: 'domain/iommu_attach_device#5',
      guard: 'isDirectRefused',
      reason:
        'caller contract (machines/router/contract.ts attachUserDomain): callers attach only domains they allocated: paging domains, never a blocked domain, which is the only one a require_direct member refuses',
    },
    {
      transition: 'domain/iommu_attach_device#8',
      guard: 'isTargetDefault',
      reason:
        'caller contract (machines/router/contract.ts attachUserDomain): callers attach only domains they allocated; attaching the default domain through the RID attach calls would put an owned group on its default domain (docs/kernel/13-invariants.md §13.4)',
    },
    {
      transition: 'domain/iommu_attach_device#9',
      guard: 'isTargetBlocking',
      reason:
        "caller contract (machines/router/contract.ts attachUserDomain): callers attach only domains they allocated; nobody holds a group's blocking domain",
    },
    {
      transition: 'domain/iommu_attach_group#3',
      guard: 'isTargetCurrent',
      reason:
        'caller contract (machines/router/contract.ts attachGroupNotShared): callers attach only domains they allocated, and a group already on one answers -EBUSY (alternative 1) first: only a default or blocking domain could be current here',
    },
    {
      transition: 'domain/iommu_attach_group#4',
      guard: 'isDirectRefused',
      reason:
        'caller contract (machines/router/contract.ts attachGroupNotShared): callers attach only paging domains they allocated, never a blocked domain, which is the only one a require_direct member refuses',
    },
    {
      transition: 'domain/iommu_attach_group#7',
      guard: 'isTargetDefault',
      reason:
        'caller contract (machines/router/contract.ts attachGroupNotShared): callers attach only domains they allocated, never the default domain (docs/kernel/13-invariants.md §13.4)',
    },
    {
      transition: 'domain/iommu_attach_group#8',
      guard: 'isTargetBlocking',
      reason:
        "caller contract (machines/router/contract.ts attachGroupNotShared): callers attach only domains they allocated; nobody holds a group's blocking domain",
    },
    {
      transition: 'domain/iommu_group_replace_domain#1',
      guard: 'isNullDomain',
      reason:
        'caller contract (machines/router/contract.ts replaceOnOwnedGroup): iommufd replaces with a domain it allocated, never NULL',
    },
    {
      transition: 'domain/iommu_group_replace_domain#3',
      guard: 'isDirectRefused',
      reason:
        'caller contract (machines/router/contract.ts replaceOnOwnedGroup): iommufd replaces with paging domains it allocated, never a blocked domain, which is the only one a require_direct member refuses',
    },
    {
      transition: 'domain/iommu_group_replace_domain#6',
      guard: 'isTargetDefault',
      reason:
        'caller contract (machines/router/contract.ts replaceOnOwnedGroup): iommufd replaces with domains it allocated, never the default domain',
    },
    {
      transition: 'domain/iommu_group_replace_domain#7',
      guard: 'isTargetBlocking',
      reason:
        "caller contract (machines/router/contract.ts replaceOnOwnedGroup): iommufd replaces with domains it allocated; nobody holds a group's blocking domain",
    },
    {
      transition: 'domain/iommu_detach_device#1',
      guard: 'isNotCurrentDomain',
      reason:
        "caller contract (machines/router/contract.ts detachDeviceCurrentDomain): callers detach the group's current domain only; another is the WARN_ON in iommu_detach_device",
    },
    {
      transition: 'domain/iommu_detach_device#2',
      guard: 'isNotSingleton',
      reason:
        'caller contract (machines/router/contract.ts detachDeviceCurrentDomain): iommu_detach_device on a multi-device group is a WARN_ON; callers detach singleton groups only',
    },
    {
      transition: 'ownership/iommu_device_unuse_default_domain#1',
      guard: 'or(isUnused, hasPasids)',
      reason:
        'the router asks only on behalf of a bound driver, which counts in owner_cnt, and the caller contract (machines/router/contract.ts releaseDriverWithoutPasids) releases a driver only after it detached its PASIDs (else the WARN_ON in iommu_device_unuse_default_domain)',
    },
  ],
};
