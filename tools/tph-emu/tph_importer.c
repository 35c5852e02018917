// SPDX-License-Identifier: GPL-2.0
/*
 * tph_importer - a dma-buf importer that reads PCIe TPH hints (test only)
 *
 * It stands for a peer device, such as an RDMA NIC, that imports a dma-buf
 * and puts TPH on its requests to it.  Driven from debugfs (tph_importer/):
 *
 *  import	write a dma-buf fd of the writing process: the module takes a
 *		reference and attaches to it, as a revocable peer-to-peer
 *		importer, from a faux device; the write fails with the error
 *		of dma_buf_get() or dma_buf_dynamic_attach()
 *  query	read: the result of dma_buf_get_pci_tph() on the attachment,
 *		under the dma-buf's reservation lock, for 8-bit and for 16-bit
 *		tags, and the number of invalidate_mappings calls since the
 *		import:
 *			st8 <errno or 0> <tag> <ph>
 *			st16 <errno or 0> <tag> <ph>
 *			invalidations <n>
 *  release	write anything: detach and drop the dma-buf
 *
 * The importer never maps the buffer; asking for the hints needs only the
 * reservation lock.  This is a test tool, not for a machine that matters.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/debugfs.h>
#include <linux/device/faux.h>
#include <linux/dma-buf.h>
#include <linux/dma-resv.h>
#include <linux/kstrtox.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/seq_file.h>

MODULE_IMPORT_NS("DMA_BUF");

static struct {
	struct mutex lock;		/* serializes import, query, release */
	struct faux_device *fdev;
	struct dma_buf *dmabuf;
	struct dma_buf_attachment *attach;
	atomic_t invalidations;
	struct dentry *dir;
} imp = {
	.lock = __MUTEX_INITIALIZER(imp.lock),
};

/* Called with the reservation lock held; the next query sees the change */
static void tph_importer_invalidate(struct dma_buf_attachment *attach)
{
	dma_resv_assert_held(attach->dmabuf->resv);
	atomic_inc(&imp.invalidations);
}

static const struct dma_buf_attach_ops tph_importer_attach_ops = {
	.allow_peer2peer = true,
	.invalidate_mappings = tph_importer_invalidate,
};

static void tph_importer_release_locked(void)
{
	if (imp.attach)
		dma_buf_detach(imp.dmabuf, imp.attach);
	if (imp.dmabuf)
		dma_buf_put(imp.dmabuf);
	imp.attach = NULL;
	imp.dmabuf = NULL;
}

static ssize_t import_write(struct file *file, const char __user *ubuf,
			    size_t count, loff_t *ppos)
{
	struct dma_buf_attachment *attach;
	struct dma_buf *dmabuf;
	int fd, ret;

	ret = kstrtoint_from_user(ubuf, count, 10, &fd);
	if (ret)
		return ret;

	dmabuf = dma_buf_get(fd);
	if (IS_ERR(dmabuf))
		return PTR_ERR(dmabuf);

	attach = dma_buf_dynamic_attach(dmabuf, &imp.fdev->dev,
					&tph_importer_attach_ops, NULL);
	if (IS_ERR(attach)) {
		dma_buf_put(dmabuf);
		return PTR_ERR(attach);
	}

	mutex_lock(&imp.lock);
	tph_importer_release_locked();
	imp.dmabuf = dmabuf;
	imp.attach = attach;
	atomic_set(&imp.invalidations, 0);
	mutex_unlock(&imp.lock);

	return count;
}

static const struct file_operations import_fops = {
	.owner = THIS_MODULE,
	.write = import_write,
};

static int query_show(struct seq_file *m, void *data)
{
	static const char * const name[] = { "st8", "st16" };
	u16 tag[2] = {};
	u8 ph[2] = {};
	int ret[2], i;

	mutex_lock(&imp.lock);
	if (!imp.dmabuf) {
		mutex_unlock(&imp.lock);
		return -ENOENT;
	}

	dma_resv_lock(imp.dmabuf->resv, NULL);
	for (i = 0; i < 2; i++)
		ret[i] = dma_buf_get_pci_tph(imp.attach, i, &tag[i], &ph[i]);
	dma_resv_unlock(imp.dmabuf->resv);

	for (i = 0; i < 2; i++) {
		if (ret[i]) {
			tag[i] = 0;
			ph[i] = 0;
		}
		seq_printf(m, "%s %d %#x %u\n", name[i], ret[i], tag[i], ph[i]);
	}
	seq_printf(m, "invalidations %d\n", atomic_read(&imp.invalidations));
	mutex_unlock(&imp.lock);

	return 0;
}
DEFINE_SHOW_ATTRIBUTE(query);

static ssize_t release_write(struct file *file, const char __user *ubuf,
			     size_t count, loff_t *ppos)
{
	mutex_lock(&imp.lock);
	tph_importer_release_locked();
	mutex_unlock(&imp.lock);

	return count;
}

static const struct file_operations release_fops = {
	.owner = THIS_MODULE,
	.write = release_write,
};

static int __init tph_importer_init(void)
{
	imp.fdev = faux_device_create(KBUILD_MODNAME, NULL, NULL);
	if (!imp.fdev)
		return -ENODEV;

	imp.dir = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("import", 0200, imp.dir, NULL, &import_fops);
	debugfs_create_file("query", 0444, imp.dir, NULL, &query_fops);
	debugfs_create_file("release", 0200, imp.dir, NULL, &release_fops);

	return 0;
}

static void __exit tph_importer_exit(void)
{
	debugfs_remove_recursive(imp.dir);
	mutex_lock(&imp.lock);
	tph_importer_release_locked();
	mutex_unlock(&imp.lock);
	faux_device_destroy(imp.fdev);
}

module_init(tph_importer_init);
module_exit(tph_importer_exit);

MODULE_DESCRIPTION("Test-only dma-buf importer that reads PCIe TPH hints");
MODULE_LICENSE("GPL");
