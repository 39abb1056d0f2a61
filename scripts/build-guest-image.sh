#!/usr/bin/env bash
# Builds the offline guest image: Debian bookworm from Debian's own packages (no cloud image download), lean for
# a fast first boot. Output, in the image cache folder:
#   debian-12.qcow2 (ext4 root file system labelled golem-root, no partition table: grown to the VM's disk at first boot)
#   debian-12.vmlinuz, debian-12.initrd (booted directly by QEMU: -kernel/-initrd, root=LABEL=golem-root)
# each a symlink to the file of this recipe (.store/debian-12-<hash>.*).
# The guest has a user `ubuntu` (sudo without password; what requestor tools log in as) and `root`, both keyed
# from the NoCloud seed by golem-firstboot (scripts/guest/), systemd-networkd with DHCP, and openssh-server.
# DNS is QEMU user networking's resolver (10.0.2.3): systemd-resolved alone cost 10 s of boot under TCG. dbus is there for
# systemd-logind, which turns the ACPI power button (VMService's graceful stop) into a clean shutdown.
# Reused when present. Usage: scripts/build-guest-image.sh [cache-folder]   (needs root; about 1.5 min)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${1:-${GOLEM_PROVIDER_IMAGE_DIR:-$HOME/.golem/provider/images}}
name=debian-12
# The recipe's hash is stored beside the image, so a changed recipe (this script or scripts/guest/) rebuilds it.
recipe=$(cat "$0" "$here"/guest/* | sha256sum | cut -c1-16)
if [ -f "$cache/$name.qcow2" ] && [ -f "$cache/$name.vmlinuz" ] && [ -f "$cache/$name.initrd" ] \
   && [ "$(cat "$cache/$name.recipe" 2>/dev/null)" = "$recipe" ]; then
  echo "guest image present: $cache/$name.qcow2 (recipe $recipe)"; exit 0
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

# The customize hooks run after the packages are in: first-boot agent, network, user, a small initrd.
mmdebstrap --variant=minbase --mode=root \
  --include=systemd-sysv,udev,linux-image-cloud-amd64,initramfs-tools,openssh-server,dbus,iproute2,procps,sudo,e2fsprogs,util-linux,netbase,ca-certificates \
  --customize-hook="install -m 0755 '$here/guest/golem-firstboot' \"\$1/usr/local/sbin/golem-firstboot\"" \
  --customize-hook="install -m 0644 '$here/guest/golem-firstboot.service' \"\$1/etc/systemd/system/golem-firstboot.service\"" \
  --customize-hook="install -m 0644 '$here/guest/80-golem-dhcp.network' \"\$1/etc/systemd/network/80-golem-dhcp.network\"" \
  --customize-hook='echo "LABEL=golem-root / ext4 defaults 0 1" > "$1/etc/fstab"' \
  --customize-hook='echo golem-guest > "$1/etc/hostname"' \
  --customize-hook='echo "nameserver 10.0.2.3" > "$1/etc/resolv.conf"' \
  --customize-hook='rm -f "$1"/etc/ssh/ssh_host_*' \
  --customize-hook='chroot "$1" useradd -m -s /bin/bash -G sudo,adm ubuntu' \
  --customize-hook='echo "ubuntu ALL=(ALL) NOPASSWD:ALL" > "$1/etc/sudoers.d/90-ubuntu" && chmod 0440 "$1/etc/sudoers.d/90-ubuntu"' \
  --customize-hook='chroot "$1" systemctl enable golem-firstboot.service systemd-networkd.service ssh.service' \
  --customize-hook='chroot "$1" systemctl mask e2scrub_reap.service e2scrub_all.timer apt-daily.timer apt-daily-upgrade.timer' \
  --customize-hook='printf "virtio_pci\nvirtio_blk\nvirtio_net\nvirtio_rng\n" >> "$1/etc/initramfs-tools/modules"' \
  --customize-hook='echo MODULES=list > "$1/etc/initramfs-tools/conf.d/golem.conf" && chroot "$1" update-initramfs -u -k all' \
  bookworm "$root" http://deb.debian.org/debian

# Files carry the recipe in their names and debian-12.* are symlinks to them: VM disks are overlays on the file
# the symlink named when they were made, so a rebuild never changes the base under an existing VM.
version=$name-$recipe
cp "$root"/boot/vmlinuz-* "$work/$version.vmlinuz"
cp "$root"/boot/initrd.img-* "$work/$version.initrd"
# 2 GiB file system from the folder, without loop devices; golem-firstboot grows it to the VM's disk.
mke2fs -q -t ext4 -L golem-root -d "$root" "$work/root.raw" 2G
qemu-img convert -O qcow2 "$work/root.raw" "$work/$version.qcow2"
chmod 0644 "$work/$version".*
mkdir -p "$cache/.store"
mv "$work/$version.vmlinuz" "$work/$version.initrd" "$work/$version.qcow2" "$cache/.store/"
ln -sfn ".store/$version.vmlinuz" "$cache/$name.vmlinuz"
ln -sfn ".store/$version.initrd" "$cache/$name.initrd"
ln -sfn ".store/$version.qcow2" "$cache/$name.qcow2"
echo "$recipe" > "$cache/$name.recipe"   # last: its presence means the set is complete
echo "guest image built: $cache/.store/$version.qcow2 ($(du -h "$cache/.store/$version.qcow2" | cut -f1)), linked as $name.qcow2"
