# vfio-pci TPH series: tooling around patches/.  See README.md.
#
#   make demo     fetch, apply, build and show the result   (the main job)
#   make test     the static gate and the VM bench          (what CI runs)
#
#   make deps     install the Debian packages the project needs
#   make base     fetch and import the base tree into the cache
#   make tree     create the editable work tree ./linux with the series
#   make export   write the work tree's series back to patches/
#   make build    build the bench kernel from patches/
#   make gate     the static gate: git am, checkpatch, bisect build, configs
#   make bench    the VM bench alone (x86_64 and arm64), without the gate
#   make test-arm64  the arm64 part of make test alone (kernel, two boots)
#
# KSRC=/path/to/linux uses your own git tree as the base instead of Debian's
# linux-source-7.3.  CACHE=dir moves the cache (default ~/.cache/vfio-tph).

SHELL := /bin/bash
export KSRC CACHE TREE

.PHONY: demo test test-arm64 deps base tree export build gate bench

deps:
	@scripts/deps.sh

base: deps
	@. scripts/lib.sh && echo "base: $$(base_repo)"

tree: base
	@scripts/tree.sh

export:
	@scripts/export.sh

gate: deps
	@scripts/gate.sh

build: deps
	@scripts/build.sh

bench: deps
	@scripts/bench-all.sh

test: deps
	@scripts/test.sh

test-arm64: deps
	@scripts/test-arm64.sh

demo: deps
	@scripts/demo.sh
