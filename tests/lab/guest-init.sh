#!/bin/sh
# PID 1 of the lab guest: mount the pseudo file systems, load the virtio disk
# driver, run /lab-run.sh, then write /results as a tar archive onto the disk.
export PATH=/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tmpfs tmp /tmp
mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null
for m in $(cat /modules/order); do insmod /modules/$m.ko 2>/dev/null; done
export RESULTS=/results MAPCOUNT=/mapcount/mapcount WORKLOADS=/mapcount/workloads
echo "lab: kernel $(uname -r) up"
sh /lab-run.sh >/results/run.log 2>&1
echo $? >/results/status
echo "lab: run finished with status $(cat /results/status)"
i=0
while [ ! -b /dev/vda ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
(cd /results && tar -cf /dev/vda .) && sync
poweroff -f
