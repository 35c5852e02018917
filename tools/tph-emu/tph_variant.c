// SPDX-License-Identifier: GPL-2.0
/*
 * tph_variant - a vfio-pci variant driver wrapping get_dmabuf_phys (test only)
 *
 * It is vfio-pci under another name, with one difference: its
 * get_dmabuf_phys() is not vfio_pci_core_get_dmabuf_phys() itself but a
 * wrapper that calls it, as a variant driver that exports its BARs through
 * the core and other memory its own way does.  VFIO_DEVICE_FEATURE_DMA_BUF_TPH
 * must still take this driver's BAR dma-bufs, since it decides from the
 * ranges of a dma-buf whether the device completes the writes to it, not
 * from which function filled them in.
 *
 * A PCI driver named "tph_variant" that matches no device on its own is
 * bound to a device through driver_override.  debugfs (tph_variant/) counts
 * the calls of the wrapper ("get_dmabuf_phys"), so a test can tell that the
 * dma-bufs it got came through it, and "outside_bar", set to 1, makes the
 * wrapper export the range just past the BAR instead: memory that is no
 * BAR's, as nvgrace-gpu exports its device memory, which must get no TPH
 * hints.  Nothing may import such a dma-buf.
 *
 * This is a test tool.  Do not load it on a machine that matters.
 */

#include <linux/atomic.h>
#include <linux/debugfs.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/vfio.h>
#include <linux/vfio_pci_core.h>

static atomic_t tph_variant_calls = ATOMIC_INIT(0);
/* Export the range just past the BAR instead, as memory that is no BAR's */
static bool tph_variant_outside_bar;
static struct dentry *tph_variant_dir;

static int tph_variant_open_device(struct vfio_device *core_vdev)
{
	struct vfio_pci_core_device *vdev =
		container_of(core_vdev, struct vfio_pci_core_device, vdev);
	int ret;

	ret = vfio_pci_core_enable(vdev);
	if (ret)
		return ret;

	vfio_pci_core_finish_enable(vdev);

	return 0;
}

static const struct vfio_device_ops tph_variant_ops = {
	.name		= "tph_variant",
	.init		= vfio_pci_core_init_dev,
	.release	= vfio_pci_core_release_dev,
	.open_device	= tph_variant_open_device,
	.close_device	= vfio_pci_core_close_device,
	.ioctl		= vfio_pci_core_ioctl,
	.get_region_info_caps = vfio_pci_ioctl_get_region_info,
	.device_feature = vfio_pci_core_ioctl_feature,
	.read		= vfio_pci_core_read,
	.write		= vfio_pci_core_write,
	.mmap		= vfio_pci_core_mmap,
	.request	= vfio_pci_core_request,
	.match		= vfio_pci_core_match,
	.match_token_uuid = vfio_pci_core_match_token_uuid,
	.bind_iommufd	= vfio_iommufd_physical_bind,
	.unbind_iommufd	= vfio_iommufd_physical_unbind,
	.attach_ioas	= vfio_iommufd_physical_attach_ioas,
	.detach_ioas	= vfio_iommufd_physical_detach_ioas,
	.pasid_attach_ioas	= vfio_iommufd_physical_pasid_attach_ioas,
	.pasid_detach_ioas	= vfio_iommufd_physical_pasid_detach_ioas,
};

/* The core's BAR ranges, through a function that is not the core's */
static int tph_variant_get_dmabuf_phys(struct vfio_pci_core_device *vdev,
				       struct p2pdma_provider **provider,
				       unsigned int region_index,
				       struct phys_vec *phys_vec,
				       struct vfio_region_dma_range *dma_ranges,
				       size_t nr_ranges)
{
	size_t i;
	int ret;

	atomic_inc(&tph_variant_calls);

	ret = vfio_pci_core_get_dmabuf_phys(vdev, provider, region_index,
					    phys_vec, dma_ranges, nr_ranges);
	if (ret || !READ_ONCE(tph_variant_outside_bar))
		return ret;
	for (i = 0; i < nr_ranges; i++)
		phys_vec[i].paddr += pci_resource_len(vdev->pdev, region_index);
	return 0;
}

static const struct vfio_pci_device_ops tph_variant_dev_ops = {
	.get_dmabuf_phys = tph_variant_get_dmabuf_phys,
};

static int tph_variant_probe(struct pci_dev *pdev,
			     const struct pci_device_id *id)
{
	struct vfio_pci_core_device *vdev;
	int ret;

	vdev = vfio_alloc_device(vfio_pci_core_device, vdev, &pdev->dev,
				 &tph_variant_ops);
	if (IS_ERR(vdev))
		return PTR_ERR(vdev);

	dev_set_drvdata(&pdev->dev, vdev);
	vdev->pci_ops = &tph_variant_dev_ops;
	ret = vfio_pci_core_register_device(vdev);
	if (ret)
		goto out_put_vdev;
	return 0;

out_put_vdev:
	vfio_put_device(&vdev->vdev);
	return ret;
}

static void tph_variant_remove(struct pci_dev *pdev)
{
	struct vfio_pci_core_device *vdev = dev_get_drvdata(&pdev->dev);

	vfio_pci_core_unregister_device(vdev);
	vfio_put_device(&vdev->vdev);
}

/* No device of its own: bound through driver_override only */
static const struct pci_device_id tph_variant_table[] = {
	{}
};

static struct pci_driver tph_variant_driver = {
	.name			= KBUILD_MODNAME,
	.id_table		= tph_variant_table,
	.probe			= tph_variant_probe,
	.remove			= tph_variant_remove,
	.err_handler		= &vfio_pci_core_err_handlers,
	.driver_managed_dma	= true,
};

static int __init tph_variant_init(void)
{
	int ret;

	tph_variant_dir = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_bool("outside_bar", 0644, tph_variant_dir,
			    &tph_variant_outside_bar);
	debugfs_create_atomic_t("get_dmabuf_phys", 0444, tph_variant_dir,
				&tph_variant_calls);

	ret = pci_register_driver(&tph_variant_driver);
	if (ret)
		debugfs_remove_recursive(tph_variant_dir);

	return ret;
}

static void __exit tph_variant_exit(void)
{
	pci_unregister_driver(&tph_variant_driver);
	debugfs_remove_recursive(tph_variant_dir);
}

module_init(tph_variant_init);
module_exit(tph_variant_exit);

MODULE_DESCRIPTION("Test-only vfio-pci variant that wraps get_dmabuf_phys");
MODULE_LICENSE("GPL");
