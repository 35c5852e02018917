/*
 * Test firmware for the x86_64 bench: the PCI Firmware _DSM of
 * tph-dsm-body.asl on the q35 host bridge, which has no _DSM of its own.
 * On q35 the processor UID equals the CPU number.
 *
 * Compile with "iasl -p OUT tph-dsm.asl" and pass OUT.aml to QEMU with
 * -acpitable file=OUT.aml.
 */
DefinitionBlock ("", "SSDT", 2, "VFTPH", "TPHDSM", 0x00000001)
{
	External (\_SB.PCI0, DeviceObj)

	Scope (\_SB.PCI0)
	{
		/* The processor UID of CPU 0 */
		Name (TPHU, Zero)

		/* No other _DSM functions */
		Method (ODSM, 4, NotSerialized)
		{
			Return (Buffer (One) { 0x00 })
		}

		Include ("tph-dsm-body.asl")
	}
}
