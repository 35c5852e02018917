#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""acpi-upgrade.py DIR BENCH: upgraded ACPI tables for the arm64 bench.

DIR holds DSDT.dat, APIC.dat and PPTT.dat, the tables of the QEMU virt
machine as its guest read them.  Writes DIR/initrd/kernel/firmware/acpi/
{dsdt,apic,pptt}.aml, which the kernel takes over the machine's own when they
come first in the initrd (ACPI_TABLE_UPGRADE); each has the same OEM and
table IDs and the next OEM revision.

 - Processor UIDs: QEMU 7.2 gives CPU n the ACPI processor UID n, so a kernel
   that mixed up CPU numbers and UIDs would pass.  The upgrade gives CPU n the
   UID 0x10 + n in the three places that name it: the MADT GICC entries, the
   PPTT leaf nodes and the DSDT processor devices.
 - Firmware tags: the DSDT's host bridge already has a _DSM for the PCI
   Firmware UUID, which an SSDT cannot replace, so the upgraded DSDT renames
   it ODSM and adds BENCH/tph-dsm-body.asl, the _DSM with function 0xF that
   the x86_64 bench loads as an SSDT, with TPHU = 0x10.
"""
import os
import re
import struct
import subprocess
import sys

UID_BASE = 0x10
GICC = 0x0B		# MADT GIC CPU Interface structure
PPTT_PROC = 0		# PPTT processor hierarchy node
PPTT_ID_VALID = 1 << 1
PPTT_LEAF = 1 << 3


def die(why):
    sys.exit(f"acpi-upgrade.py: {why}")


def subtables(data, start):
    """Yield (offset, type, length) of the subtables from @start on."""
    off = start
    while off + 2 <= len(data):
        typ, length = data[off], data[off + 1]
        if length < 2 or off + length > len(data):
            die(f"bad subtable at {off:#x}")
        yield off, typ, length
        off += length


def finish(data, sig):
    """Bump the OEM revision of table @data and fix its checksum."""
    if data[0:4] != sig or struct.unpack_from("<I", data, 4)[0] != len(data):
        die(f"not a whole {sig.decode()} table")
    rev = struct.unpack_from("<I", data, 24)[0]
    struct.pack_into("<I", data, 24, rev + 1)
    data[9] = 0
    data[9] = -sum(data) & 0xFF
    return data


def upgrade_madt(data):
    uids = []
    for off, typ, length in subtables(data, 44):
        if typ == GICC:
            if length < 12:
                die("short GICC entry")
            uid = struct.unpack_from("<I", data, off + 8)[0]
            uids.append(uid)
            struct.pack_into("<I", data, off + 8, UID_BASE + uid)
    if uids != list(range(len(uids))) or not uids:
        die(f"MADT GICC UIDs are {uids}, not 0..n-1")
    return finish(data, b"APIC"), len(uids)


def upgrade_pptt(data, ncpu):
    ids = []
    for off, typ, length in subtables(data, 36):
        if typ != PPTT_PROC:
            continue
        flags = struct.unpack_from("<I", data, off + 4)[0]
        if flags & PPTT_LEAF and flags & PPTT_ID_VALID:
            cpu = struct.unpack_from("<I", data, off + 12)[0]
            ids.append(cpu)
            struct.pack_into("<I", data, off + 12, UID_BASE + cpu)
    if sorted(ids) != list(range(ncpu)):
        die(f"PPTT leaf processor IDs are {ids}, not 0..{ncpu - 1}")
    return finish(data, b"PPTT")


def asl_int(word):
    return {"Zero": 0, "One": 1}[word] if word in ("Zero", "One") else int(word, 0)


def upgrade_dsdt(work, bench, ncpu):
    subprocess.run(["iasl", "-d", "DSDT.dat"], cwd=work, check=True,
                   stdout=subprocess.DEVNULL)
    with open(os.path.join(work, "DSDT.dsl")) as f:
        asl = f.read()

    m = re.search(r'DefinitionBlock \("", "DSDT", (\d+), ("[^"]*"), ("[^"]*"), (0x[0-9A-Fa-f]+)\)', asl)
    if not m:
        die("no DSDT DefinitionBlock")
    asl = asl[:m.start(4)] + f"0x{int(m.group(4), 16) + 1:08X}" + asl[m.end(4):]

    cpus = []

    def uid(mm):
        cpus.append(asl_int(mm.group(2)))
        return f"{mm.group(1)}0x{UID_BASE + cpus[-1]:02X})"
    asl = re.sub(r'(Name \(_HID, "ACPI0007"[^\n]*\n\s*Name \(_UID, )(\w+)\)', uid, asl)
    if cpus != list(range(ncpu)):
        die(f"DSDT processor UIDs are {cpus}, not 0..{ncpu - 1}")

    if asl.count("Method (_DSM, 4, NotSerialized)") != 1:
        die("not exactly one _DSM in the DSDT")
    pci0 = re.search(r'\n( *)Device \(PCI0\)\n *\{\n', asl)
    dsm = asl.index("Method (_DSM, 4, NotSerialized)")
    if not pci0 or dsm < pci0.end():
        die("the DSDT's _DSM is not the host bridge's")
    asl = asl.replace("Method (_DSM, 4, NotSerialized)", "Method (ODSM, 4, NotSerialized)")
    ind = pci0.group(1) + "    "
    asl = (asl[:pci0.end()] +
           f"{ind}/* The processor UID of CPU 0 */\n{ind}Name (TPHU, 0x{UID_BASE:02X})\n"
           f'{ind}Include ("tph-dsm-body.asl")\n' + asl[pci0.end():])
    with open(os.path.join(work, "dsdt-tph.dsl"), "w") as f:
        f.write(asl)
    # Never iasl -q: it then writes a table signed "XXXX"
    subprocess.run(["iasl", "-I", bench, "-p", os.path.join(work, "dsdt-tph"),
                    os.path.join(work, "dsdt-tph.dsl")], check=True,
                   stdout=subprocess.DEVNULL)
    with open(os.path.join(work, "dsdt-tph.aml"), "rb") as f:
        aml = f.read()
    if aml[0:4] != b"DSDT":
        die("iasl wrote no DSDT")
    return aml, cpus


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    work, bench = sys.argv[1], os.path.abspath(sys.argv[2])
    tables = {}
    for t in ("DSDT", "APIC", "PPTT"):
        with open(os.path.join(work, f"{t}.dat"), "rb") as f:
            tables[t] = bytearray(f.read())
    apic, ncpu = upgrade_madt(tables["APIC"])
    pptt = upgrade_pptt(tables["PPTT"], ncpu)
    dsdt, _ = upgrade_dsdt(work, bench, ncpu)
    out = os.path.join(work, "initrd", "kernel", "firmware", "acpi")
    os.makedirs(out, exist_ok=True)
    for name, data in (("dsdt", dsdt), ("apic", apic), ("pptt", pptt)):
        with open(os.path.join(out, f"{name}.aml"), "wb") as f:
            f.write(data)
    print(f"{ncpu} CPUs: processor UIDs "
          f"{', '.join(hex(UID_BASE + c) for c in range(ncpu))} in MADT, PPTT and DSDT;"
          f" DSDT {len(dsdt)} bytes with the TPH _DSM")


if __name__ == "__main__":
    main()
