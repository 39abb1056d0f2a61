#!/usr/bin/env bash
# Builds the offline guest image: Debian bookworm from Debian's own packages (no cloud image download), with
# openssh-server and cloud-init reading only the NoCloud seed. Output, in the image cache folder:
#   debian-12.qcow2 (ext4 root file system, no partition table: cloud-init grows it to the VM's disk at first boot)
#   debian-12.vmlinuz, debian-12.initrd (booted directly by QEMU: -kernel/-initrd, root=/dev/vda)
# Reused when present. Usage: scripts/build-guest-image.sh [cache-folder]   (needs root; about 1.5 min)
set -euo pipefail
cache=${1:-${GOLEM_PROVIDER_IMAGE_DIR:-$HOME/.golem/provider/images}}
name=debian-12
if [ -f "$cache/$name.qcow2" ] && [ -f "$cache/$name.vmlinuz" ] && [ -f "$cache/$name.initrd" ]; then
  echo "guest image present: $cache/$name.qcow2"; exit 0
fi
need=()
command -v mmdebstrap >/dev/null || need+=(mmdebstrap)
command -v qemu-img >/dev/null || need+=(qemu-utils)
command -v mke2fs >/dev/null || need+=(e2fsprogs)
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
mkdir -p "$cache"
work=$(mktemp -d /tmp/guest-image-XXXX)
trap 'rm -rf "$work"' EXIT
root=$work/root

# The customize hooks run inside the new system: NoCloud only, a root file system by label, no wait for a
# network that is not configured yet.
mmdebstrap --variant=minbase --mode=root \
  --include=systemd-sysv,udev,linux-image-cloud-amd64,initramfs-tools,openssh-server,cloud-init,ifupdown,isc-dhcp-client,iproute2,procps,sudo,e2fsprogs,netbase,ca-certificates \
  --customize-hook='echo "datasource_list: [ NoCloud, None ]" > "$1/etc/cloud/cloud.cfg.d/90-golem-datasource.cfg"' \
  --customize-hook='echo "LABEL=golem-root / ext4 defaults 0 1" > "$1/etc/fstab"' \
  --customize-hook='echo golem-guest > "$1/etc/hostname"' \
  --customize-hook='rm -f "$1"/etc/ssh/ssh_host_*' \
  --customize-hook='chroot "$1" systemctl enable ssh cloud-init' \
  bookworm "$root" http://deb.debian.org/debian

cp "$root"/boot/vmlinuz-* "$work/$name.vmlinuz"
cp "$root"/boot/initrd.img-* "$work/$name.initrd"
# 2 GiB file system from the folder, without loop devices; cloud-init's resize_rootfs grows it at first boot.
mke2fs -q -t ext4 -L golem-root -d "$root" "$work/root.raw" 2G
qemu-img convert -O qcow2 "$work/root.raw" "$work/$name.qcow2"
chmod 0644 "$work/$name".*
mv "$work/$name.vmlinuz" "$work/$name.initrd" "$cache/"
mv "$work/$name.qcow2" "$cache/"   # last: its presence means the set is complete
echo "guest image built: $cache/$name.qcow2 ($(du -h "$cache/$name.qcow2" | cut -f1))"
