package signedurl

import (
	"regexp"
	"strings"
)

// awsRegion matches region names: us-east-1, eu-central-2, us-gov-west-1,
// cn-north-1, us-iso-east-1, ap-southeast-5 ...
var awsRegion = regexp.MustCompile(`^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]{1,2}$`)

// classifyHost fills HostStyle, Bucket, Object, AccessPoint, AccountID and,
// when the credential did not say, Region and Service, from Host and Path.
func classifyHost(u *URL) {
	if u.Host == "" {
		return
	}
	h := hostname(u.Host)
	objectStore := u.Service == "" || u.Service == "s3" || strings.HasPrefix(u.Service, "s3-") || u.Service == "s3express" || u.Service == "storage"
	if !objectStore {
		u.HostStyle = HostCustom
		return
	}
	if gcsStyle, bucket, ok := gcsHost(h); ok {
		u.Service = "storage"
		u.HostStyle = gcsStyle
		splitBucket(u, bucket)
		return
	}
	if s, ok := s3Host(h); ok {
		u.HostStyle = s.style
		if u.Region == "" {
			u.Region = s.region
		}
		u.AccessPoint, u.AccountID = s.accessPoint, s.accountID
		splitBucket(u, s.bucket)
		return
	}
	u.HostStyle = HostCustom
}

// splitBucket sets Bucket and Object: from the host for virtual-hosted
// URLs, from the first path segment for path-style ones.
func splitBucket(u *URL, hostBucket string) {
	switch u.HostStyle {
	case HostVirtual:
		u.Bucket, u.Object = hostBucket, u.Path
	case HostPath:
		u.Bucket, u.Object, _ = strings.Cut(u.Path, "/")
	case HostAccessPoint:
		u.Object = u.Path
	}
}

// gcsHost recognises Cloud Storage XML API hosts.
func gcsHost(h string) (HostStyle, string, bool) {
	switch {
	case h == "storage.googleapis.com", h == "storage.cloud.google.com", h == "storage.mtls.googleapis.com",
		strings.HasPrefix(h, "storage.") && strings.HasSuffix(h, ".rep.googleapis.com"):
		return HostPath, "", true
	case strings.HasSuffix(h, ".storage.googleapis.com"):
		return HostVirtual, strings.TrimSuffix(h, ".storage.googleapis.com"), true
	}
	return "", "", false
}

type s3HostInfo struct {
	style                  HostStyle
	bucket, region         string
	accessPoint, accountID string
}

// s3Host recognises S3 endpoints in every documented spelling, reading the
// labels from the right:
//
//	[BUCKET.]s3[-fips|-accelerate|-external-1|-REGION][.dualstack][.REGION].amazonaws.com[.cn]
//	NAME-ACCOUNT.s3-accesspoint[.dualstack].REGION.amazonaws.com
//	ALIAS.accesspoint.s3-global.amazonaws.com (multi-region access point)
//	BUCKET.s3express-ZONE.REGION.amazonaws.com (directory buckets)
func s3Host(h string) (s3HostInfo, bool) {
	var rest string
	switch {
	case strings.HasSuffix(h, ".amazonaws.com.cn"):
		rest = strings.TrimSuffix(h, ".amazonaws.com.cn")
	case strings.HasSuffix(h, ".amazonaws.com"):
		rest = strings.TrimSuffix(h, ".amazonaws.com")
	default:
		return s3HostInfo{}, false
	}
	labels := strings.Split(rest, ".")
	i := len(labels) - 1
	var info s3HostInfo
	if awsRegion.MatchString(labels[i]) {
		info.region = labels[i]
		i--
	}
	if i >= 0 && labels[i] == "dualstack" {
		i--
	}
	if i < 0 {
		return s3HostInfo{}, false
	}
	left := labels[:i]
	switch l := labels[i]; {
	case l == "s3", l == "s3-fips", l == "s3-accelerate":
	case l == "s3-external-1":
		info.region = "us-east-1"
	case strings.HasPrefix(l, "s3-") && awsRegion.MatchString(l[3:]):
		info.region = l[3:]
	case strings.HasPrefix(l, "s3-fips-") && awsRegion.MatchString(l[8:]):
		info.region = l[8:]
	case strings.HasPrefix(l, "s3express-"):
		if len(left) == 0 {
			return info, false // the zonal endpoint itself, no bucket
		}
	case l == "s3-accesspoint", l == "s3-object-lambda":
		if len(left) != 1 {
			return s3HostInfo{}, false
		}
		info.style = HostAccessPoint
		info.accessPoint = left[0]
		if j := strings.LastIndexByte(left[0], '-'); j > 0 && isDigits(left[0][j+1:], 12) {
			info.accessPoint, info.accountID = left[0][:j], left[0][j+1:]
		}
		return info, true
	case l == "s3-global":
		if len(left) < 2 || left[len(left)-1] != "accesspoint" {
			return s3HostInfo{}, false
		}
		info.style = HostAccessPoint
		info.accessPoint = strings.Join(left[:len(left)-1], ".")
		return info, true
	default:
		return s3HostInfo{}, false
	}
	if len(left) == 0 {
		info.style = HostPath
		return info, true
	}
	info.style = HostVirtual
	info.bucket = strings.Join(left, ".")
	return info, true
}

func isDigits(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
