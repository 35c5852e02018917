/*
 * The bench's PCI Firmware _DSM with function 0xF, "Query Cache Locality
 * TPH Features", revision 7: the body of a host bridge's scope, included
 * by tph-dsm.asl (the x86_64 SSDT for q35) and by the arm64 DSDT that
 * acpi-upgrade.py makes from the virt machine's own.  The includer defines
 *
 *   TPHU, the processor UID of CPU 0: the UIDs of CPUs 0, 1, 2, ... are
 *         TPHU, TPHU + 1, TPHU + 2, ...;
 *   ODSM, a 4-argument method that answers every other UUID, revision
 *         and function (the host bridge's original _DSM, or none).
 *
 * drivers/pci/tph.c evaluates it on the host bridge above the root port with
 * Arg3 = Package {feature id, processor UID, properties} and reads the 8-byte
 * result as union st_info:
 *
 *   bit 0 vm_st_valid, bit 1 vm_xst_valid, bit 2 vm_ph_ignore,
 *   bits 8-15 vm_st, bits 16-31 vm_xst,
 *   bit 32 pm_st_valid, bit 33 pm_xst_valid, bit 34 pm_ph_ignore,
 *   bits 40-47 pm_st, bits 48-63 pm_xst.
 *
 * For CPU c, processor UID TPHU + c, the tags are vm_st 0xA0 + c, vm_xst
 * 0xA100 + c, pm_st 0xB0 + c and pm_xst 0xB100 + c, all valid, PH not
 * ignored.  CPU 3 gets no valid tag at all, as from firmware that cannot
 * resolve one for that CPU, and so does a UID below TPHU: a kernel that
 * passed CPU numbers instead of processor UIDs would get no tags, or the
 * wrong ones, wherever TPHU is not 0.
 *
 * TPHN counts the evaluations of function 0xF (with the right UUID and
 * revision; function 0, which acpi_check_dsm() evaluates, does not count),
 * so that a test can tell how often the kernel asked firmware for a tag.
 * Each evaluation stores "TPHDSM eval N" to the Debug object, N counting
 * from 1, which the kernel prints only while acpi.aml_debug_output=1
 * (/sys/module/acpi/parameters/aml_debug_output), as the line
 *
 *   ACPI Debug:  "TPHDSM eval N"
 *
 * The integer may be 32 bits wide (see below) and then wraps after
 * 0xFFFFFFFF.
 */

/* Function 0xF evaluations so far */
Name (TPHN, Zero)

/* Arg0 UUID, Arg1 revision, Arg2 function, Arg3 arguments */
Method (_DSM, 4, Serialized)
{
	If ((Arg0 != ToUUID ("e5c937d0-3553-4d7a-9117-ea4d19c3434d")) ||
	    (Arg1 != 7))
	{
		Return (ODSM (Arg0, Arg1, Arg2, Arg3))
	}

	/* Supported functions: 0 and 0xF */
	If (Arg2 == Zero)
	{
		Return (Buffer (2) { 0x01, 0x80 })
	}
	If (Arg2 != 0x0F)
	{
		Return (ODSM (Arg0, Arg1, Arg2, Arg3))
	}

	/*
	 * Counted before Arg3 is looked at, so that malformed arguments
	 * count too; the method is Serialized, so no two evaluations see
	 * the same count.
	 */
	TPHN++
	Debug = Concatenate ("TPHDSM eval ", ToDecimalString (TPHN))

	/*
	 * An 8-byte st_info, built field by field: ACPICA takes the integer
	 * width from the DSDT, and q35's DSDT has revision 1, so integers
	 * there are 32 bits wide and a 64-bit value would lose its
	 * persistent-memory half.
	 */
	Local7 = Buffer (8) {}
	CreateByteField (Local7, 0, VMVB)	/* vm valid bits */
	CreateByteField (Local7, 1, VMST)
	CreateWordField (Local7, 2, VMXS)
	CreateByteField (Local7, 4, PMVB)	/* pm valid bits */
	CreateByteField (Local7, 5, PMST)
	CreateWordField (Local7, 6, PMXS)
	If (ObjectType (Arg3) == 4)
	{
		If (SizeOf (Arg3) >= 2)
		{
			Local1 = DerefOf (Arg3 [Zero])	/* feature id */
			Local2 = DerefOf (Arg3 [One])	/* processor UID */
			If ((Local1 == Zero) && (Local2 >= TPHU))
			{
				Local3 = Local2 - TPHU	/* CPU */
				If (Local3 != 3)
				{
					VMVB = 0x03
					VMST = (0xA0 + Local3) & 0xFF
					VMXS = (0xA100 + Local3) & 0xFFFF
					PMVB = 0x03
					PMST = (0xB0 + Local3) & 0xFF
					PMXS = (0xB100 + Local3) & 0xFFFF
				}
			}
		}
	}

	Return (Local7)
}
