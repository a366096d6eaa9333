/**
 * The model of a Linux x86-64 guest kernel in a memory snapshot, built only from the kernel's own descriptions:
 * <ul>
 * <li>types: {@link cacheshadow.kernel.BtfParser} reads BTF from a raw blob, a vmlinux ELF, a bzImage
 * ({@link cacheshadow.kernel.BzImage}: gzip, XZ, ZSTD payloads), the snapshot
 * ({@link cacheshadow.kernel.InMemoryBtfLocator}) and loaded modules ({@link cacheshadow.kernel.ModuleBtfLoader});
 * {@link cacheshadow.kernel.Btf} answers sizes and field offsets by name;</li>
 * <li>symbols: {@link cacheshadow.kernel.SymbolTable} from System.map or a kallsyms capture, or rebuilt from the
 * snapshot's kallsyms tables by {@link cacheshadow.kernel.KallsymsScanner};</li>
 * <li>placement and translation: {@link cacheshadow.kernel.KaslrDetector} (init_task's self-references),
 * {@link cacheshadow.kernel.PageTableWalker} (4/5-level, large pages, translation cache),
 * {@link cacheshadow.kernel.KernelAddressSpace}; {@link cacheshadow.kernel.VmcoreInfo} cross-checks a VMCOREINFO
 * note;</li>
 * <li>{@link cacheshadow.kernel.LinuxKernel} ties them together for the walkers.</li>
 * </ul>
 * No structure offset is hard-coded and no kernel version is tested: where kernels differ, the BTF decides.
 */
package cacheshadow.kernel;
